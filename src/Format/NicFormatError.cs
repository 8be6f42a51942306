namespace Nic.Format;

/// <summary>
/// The stable error codes of the <c>.nic</c> container (spec/nic-format.md §9).
/// Values are never reused or renumbered.
/// </summary>
public enum NicFormatError
{
    /// <summary>The input ended before the structure at the reported offset was complete.</summary>
    Truncated = 1,

    /// <summary>The first 8 bytes are not the <c>.nic</c> signature.</summary>
    BadSignature = 2,

    /// <summary>The major version is not 1.</summary>
    UnsupportedVersion = 3,

    /// <summary>A chunk's CRC-32 does not match its type and payload.</summary>
    BadChecksum = 4,

    /// <summary>A chunk type byte is not an ASCII letter.</summary>
    InvalidChunkType = 5,

    /// <summary>A critical chunk type that this version does not define.</summary>
    UnknownCriticalChunk = 6,

    /// <summary>A known chunk in a position this version does not allow.</summary>
    ChunkOutOfOrder = 7,

    /// <summary>A second chunk of a type that is allowed only once.</summary>
    DuplicateChunk = 8,

    /// <summary>A required chunk is absent where a later chunk arrived.</summary>
    MissingChunk = 9,

    /// <summary>A chunk length that is impossible for its type.</summary>
    InvalidChunkLength = 10,

    /// <summary>A chunk length above 2^31 − 1 or the reader's chunk length limit.</summary>
    ChunkTooLarge = 11,

    /// <summary>A <c>HEAD</c> field out of its valid range, or a <c>HEAD</c> of the wrong size.</summary>
    InvalidHeader = 12,

    /// <summary>The image width, height or pixel count is above a limit.</summary>
    ImageTooLarge = 13,

    /// <summary>A metadata length, latent element count or band count is above a reader limit.</summary>
    LimitExceeded = 14,

    /// <summary>A channel layout this version cannot read.</summary>
    UnsupportedChannelLayout = 15,

    /// <summary>A <c>YBND</c> chunk whose index is not the next one, or one band too many.</summary>
    BandMismatch = 16,

    /// <summary>Bytes after the <c>DONE</c> chunk.</summary>
    TrailingData = 17,

    /// <summary>A <c>ZSUB</c> chunk although the header declares no hyperprior latent.</summary>
    UnexpectedChunk = 18,

    /// <summary>A compressed metadata chunk whose method byte this version does not define.</summary>
    UnsupportedCompression = 19,

    /// <summary>
    /// A compressed metadata chunk whose data is not one complete compressed stream that restores exactly the declared
    /// uncompressed length: invalid or truncated compressed data, bytes after its end, or another length.
    /// </summary>
    CompressedDataCorrupt = 20,
}
