using System.Diagnostics;
using System.Text.Json;
using Nic.Cli.Batch;
using Nic.Cli.Imaging;
using Nic.Codec;
using Nic.Codec.Imaging;

namespace Nic.Cli.Tests.Batch;

/// <summary>Trees of small generated images, batch child processes with their own environment, and readers of what a batch leaves.</summary>
internal static class BatchTestFiles
{
    /// <summary>The scheduler variables a batch reads; cleared in child processes unless a test sets them.</summary>
    public static readonly string[] SchedulerVariables =
    [
        "JOB_COMPLETION_INDEX", BatchShard.ShardsVariable, "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
        "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP",
    ];

    /// <summary>Writes <paramref name="count"/> distinct PNGs of <paramref name="width"/>×<paramref name="height"/> in nested folders; returns their relative paths.</summary>
    public static List<string> WriteTree(string root, int count, int width = 48, int height = 32)
    {
        var paths = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string relative = $"set{i % 3}/part{i % 4}/image{i:D3}.png";
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            ImageFiles.WritePng(path, Image(width, height, i));
            paths.Add(relative);
        }

        return paths;
    }

    /// <summary>A small image that differs with <paramref name="seed"/>.</summary>
    public static RgbImage Image(int width, int height, int seed)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = image.GetRow(y);
            for (int x = 0; x < width; x++)
            {
                row[3 * x] = (byte)((x * 255 / width) + seed);
                row[(3 * x) + 1] = (byte)((y * 255 / height) + (3 * seed));
                row[(3 * x) + 2] = (byte)(((x * y) + (11 * seed)) % 256);
            }
        }

        return image;
    }

    /// <summary>Starts <c>dotnet nic.dll ARGS</c> with the scheduler variables cleared, then <paramref name="environment"/> set.</summary>
    public static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nic.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string name in SchedulerVariables)
        {
            start.Environment.Remove(name);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("the nic child process did not start");
    }

    /// <summary>Runs a child to its end: exit code, standard output and error.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using Process child = Start(environment, arguments);
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> error = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await child.WaitForExitAsync(timeout.Token);
        return (child.ExitCode, await output, await error);
    }

    /// <summary>The lines of every finished report under <paramref name="outputDirectory"/>/.nic-batch.</summary>
    public static List<JsonElement> ReadReports(string outputDirectory) =>
    [
        .. Directory.GetFiles(Path.Combine(outputDirectory, ".nic-batch"), "*.jsonl")
            .SelectMany(File.ReadAllLines)
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()),
    ];

    /// <summary>The files under <paramref name="directory"/>, hidden ones too, relative with '/' separators.</summary>
    public static List<string> AllFiles(string directory) =>
    [
        .. Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Decodes every .nic file under <paramref name="directory"/>; returns their relative paths.</summary>
    public static async Task<List<string>> DecodeAllAsync(string directory)
    {
        var codec = new NicCodec();
        var decoded = new List<string>();
        foreach (string relative in AllFiles(directory).Where(f => f.EndsWith(".nic", StringComparison.Ordinal)))
        {
            RgbImage image = await codec.DecodeFileAsync(Path.Combine(directory, relative));
            Assert.Equal((48, 32), (image.Width, image.Height));
            decoded.Add(relative);
        }

        return decoded;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
