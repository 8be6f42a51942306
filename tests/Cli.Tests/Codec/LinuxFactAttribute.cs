namespace Nic.Cli.Tests.Codec;

/// <summary>A fact that needs Linux (signals sent with kill, /proc); skipped elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux signals and /proc";
        }
    }
}
