namespace Nic.Fuzz;

/// <summary>The fuzz targets by name.</summary>
internal static class FuzzTargets
{
    /// <summary>The names of every target, in the order the smoke run takes them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["reader", "identify", "decode", "entropy"];

    /// <summary>A new instance of the target called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No target has that name.</exception>
    public static FuzzTarget Create(string name) => name switch
    {
        "reader" => new ReaderTarget(),
        "identify" => new IdentifyTarget(),
        "decode" => new DecodeTarget(),
        "entropy" => new EntropyTarget(),
        _ => throw new ArgumentException($"no fuzz target '{name}'; the targets are {string.Join(", ", Names)}", nameof(name)),
    };
}
