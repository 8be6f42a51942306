namespace Nic.Cli.Batch;

/// <summary>What a batch does to each item.</summary>
internal enum BatchMode
{
    /// <summary>Images to .nic files.</summary>
    Encode,

    /// <summary>.nic files to PNG.</summary>
    Decode,
}
