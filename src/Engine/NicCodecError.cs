namespace Nic.Codec;

/// <summary>
/// Stable error codes reported by <see cref="NicCodecException"/>. The numeric values and the names
/// are part of the public contract (see <c>spec/nic-coding.md</c>) and never change meaning.
/// </summary>
public enum NicCodecError
{
    /// <summary>An entropy-coded payload ended before all symbols were decoded.</summary>
    EntropyPayloadTruncated = 101,

    /// <summary>An entropy-coded payload is inconsistent: its final coder state or length does not match, or an escaped value is impossible.</summary>
    EntropyPayloadCorrupt = 102,

    /// <summary>A symbol to encode lies outside the alphabet of its CDF (for CDF coding, a symbol ≥ Lp − 1).</summary>
    SymbolOutOfRange = 103,

    /// <summary>A CDF or probability mass function is malformed: not finite, not monotone, or leaves a symbol with zero frequency.</summary>
    InvalidCdf = 104,

    /// <summary>A table index does not name one of the quantized CDF tables.</summary>
    InvalidTableIndex = 105,

    /// <summary>An ANS stack opened from a message needed a word to pop and the message had none left: the message is truncated or not one of this stack (spec/nic-coding.md §12).</summary>
    AnsStackExhausted = 106,

    /// <summary>An ANS stack message is malformed: its length is not 8 + 4k bytes, its state lies outside [2^31, 2^63), it does not end at its seed's initial state and supply, or it decodes to a symbol its model cannot push back (spec/nic-coding.md §12).</summary>
    AnsStackCorrupt = 107,

    /// <summary>A bits-back file is malformed: its magic, version, digit count or lengths are invalid (spec/nic-coding.md §13).</summary>
    BitsBackFileCorrupt = 108,

    /// <summary>A model file is not a valid Nic model file: its safetensors header length, JSON, tensor offsets, data types or table contents are invalid, or it is truncated (spec/nic-model.md §8).</summary>
    ModelFileCorrupt = 201,

    /// <summary>A model file does not match its declared architecture: a tensor is missing, unexpected or has the wrong shape or data type, the architecture is unknown, or a metadata value is invalid.</summary>
    ModelArchitectureMismatch = 202,

    /// <summary>A model file could not be found.</summary>
    ModelNotFound = 203,

    /// <summary>A model does not have the identity (registry name and SHA-256) that a <c>.nic</c> file names.</summary>
    ModelHashMismatch = 204,

    /// <summary>A <c>.nic</c> header's image or latent shapes are not the ones its model makes of an image of that size (spec/nic-coding.md §11.4).</summary>
    LatentShapeMismatch = 301,

    /// <summary>The model cannot code RGB images into a <c>.nic</c> container (tfc-mnist codes 28×28 digits only).</summary>
    UnsupportedModel = 302,

    /// <summary>No model of the requested name, family or rate point is known to the model catalog.</summary>
    UnknownModel = 303,

    /// <summary>
    /// Decoding the file would exceed a limit of the decoder: its pixel count is above <c>NicCodecOptions.MaxDecodePixels</c>,
    /// its estimated working memory above <c>NicCodecOptions.MaxDecodeMemoryBytes</c>, or one of its buffers would not fit
    /// in a .NET array. Reported from the header alone, before anything of the image's size is allocated
    /// (spec/nic-coding.md §11.7).
    /// </summary>
    ResourceLimitExceeded = 304,

    /// <summary>
    /// A <c>.nic</c> header names a variable-rate model file but its <c>rate_parameter</c> is not one of that model's rate
    /// positions (a multiple of 1/64 from 0 to the number of trained points − 1; spec/nic-model.md §11.3).
    /// </summary>
    InvalidRate = 305,

    /// <summary>
    /// An encode asked for an effort above 1, which needs a latent optimizer, and the codec has none
    /// (<c>NicCodecOptions.LatentOptimizer</c>; Nic.Torch provides one).
    /// </summary>
    LatentOptimizerMissing = 306,
}
