namespace Nic.Service;

/// <summary>Settings of the sample service (configuration section <c>"Service"</c>).</summary>
public sealed class ServiceOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Service";

    /// <summary>
    /// The directory the <c>.nic</c> files are stored in, created at start (a relative path is taken from the working
    /// directory); by default <c>nic-service-store</c> in the system's temporary directory.
    /// </summary>
    public string StorageDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "nic-service-store");

    /// <summary>The largest upload, in bytes: a larger Content-Length is refused with 413 before the body is read.</summary>
    public long MaxUploadBytes { get; set; } = 64L << 20;

    /// <summary>
    /// The most pixels an uploaded PNG or JPEG may declare; null for the codec's <c>Nic:MaxDecodePixels</c>, so that
    /// every stored file can be decoded again.
    /// </summary>
    public long? MaxUploadPixels { get; set; }

    /// <summary>
    /// How many uploads (decode and encode) and PNG downloads (decode) run at once; null for the number of processors.
    /// The others wait, asynchronously, after their body has been read.
    /// </summary>
    public int? MaxConcurrentOperations { get; set; }

    /// <summary>Whether the Nic meter and activity source (and ASP.NET Core's) are exported to the console through OpenTelemetry.</summary>
    public bool ConsoleTelemetry { get; set; }

    /// <summary>The problems with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(StorageDirectory))
        {
            yield return "Service:StorageDirectory must be set";
        }

        if (MaxUploadBytes < 1)
        {
            yield return $"Service:MaxUploadBytes must be at least 1, not {MaxUploadBytes}";
        }

        if (MaxConcurrentOperations is < 1)
        {
            yield return $"Service:MaxConcurrentOperations must be at least 1, not {MaxConcurrentOperations}";
        }

        if (MaxUploadPixels is < 1)
        {
            yield return $"Service:MaxUploadPixels must be at least 1, not {MaxUploadPixels}";
        }
    }
}
