using System.Security.Cryptography;
using Nic.Codec.Entropy;
using Nic.Format;

namespace Nic.Codec.Models;

/// <summary>
/// A loaded, validated Nic model file (spec/nic-model.md): a safetensors file whose metadata names the architecture
/// and hyper-parameters, whose tensors match that architecture exactly, and whose frozen entropy tables are valid.
/// The model is identified by its registry name and the SHA-256 of the whole file. Instances are immutable and safe
/// to share between threads.
/// </summary>
public sealed class NicModelFile
{
    /// <summary>The default largest model file accepted: the largest byte array .NET allocates.</summary>
    public static readonly long DefaultMaxFileLength = Array.MaxLength;

    private readonly ModelFileParser.Contents _contents;
    private readonly byte[] _sha256;
    private NicModelId? _familyId;
    private float _position;

    private NicModelFile(ModelFileParser.Contents contents, byte[] sha256)
    {
        _contents = contents;
        _sha256 = sha256;
        Id = new NicModelId(contents.Name, sha256);
    }

    /// <summary>The architecture (metadata key <c>architecture</c>).</summary>
    public ModelArchitecture Architecture => _contents.Architecture;

    /// <summary>The registry name (metadata key <c>name</c>).</summary>
    public string Name => _contents.Name;

    /// <summary>The hyper-parameters that fix the tensor shapes.</summary>
    public ModelHyperParameters HyperParameters => _contents.HyperParameters;

    /// <summary>The rate–distortion trade-off the model was trained with (metadata key <c>lambda</c>).</summary>
    public double Lambda => _contents.Lambda;

    /// <summary>
    /// The family the model belongs to: models of one family differ only in rate point, and a codec's quality setting
    /// picks among them (metadata key <c>family</c>; the model's own name when absent).
    /// </summary>
    public string Family => _contents.Metadata.TryGetValue(ModelMetadataKeys.Family, out string? family) ? family : Name;

    /// <summary>The model's position in its family of rate points, e.g. CompressAI's quality 1–8 (metadata key <c>rate_point</c>).</summary>
    public int RatePoint => _contents.RatePoint;

    /// <summary>The distortion measure the model was trained for.</summary>
    public ModelDistortion Distortion => _contents.Distortion;

    /// <summary>Every metadata entry of the file, unknown keys included.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _contents.Metadata;

    /// <summary>
    /// The rate position within its variable-rate family (spec/nic-model.md §11.3) of a model interpolated between two
    /// trained points (<see cref="NicModelFamily.AtPosition"/>); null for a fixed-rate file, a trained point included.
    /// </summary>
    public double? RatePosition => _familyId is null ? null : _position;

    /// <summary>
    /// The variable-rate family file a model interpolated between trained points was built from
    /// (<see cref="NicModelFamily.AtPosition"/>): a <c>.nic</c> header coded with it names the family file and the rate
    /// position. Null for a fixed-rate file, a trained point included (a header names the file itself).
    /// </summary>
    public NicModelId? FamilyId => _familyId;

    /// <summary>The SHA-256 of the whole file.</summary>
    public ReadOnlySpan<byte> Sha256 => _sha256;

    /// <summary>The model's identity as a <c>.nic</c> file names it: the registry name and the SHA-256.</summary>
    public NicModelId Id { get; }

    /// <summary>The names of the file's tensors, ordered by name (ordinal).</summary>
    public IReadOnlyList<string> TensorNames => _contents.Tensors.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The quantized CDF tables of the entropy bottleneck, one per channel; null for <c>tfc-mnist</c>.</summary>
    public QuantizedCdfTables? EntropyBottleneckTables => _contents.Tables.EntropyBottleneck;

    /// <summary>Per bottleneck channel, the median that centres its symbols (symbol = round(value − median)); empty for <c>tfc-mnist</c>.</summary>
    public ReadOnlyMemory<float> EntropyBottleneckMedians => _contents.Tables.EntropyBottleneckMedians;

    /// <summary>The Gaussian conditional's tables, one per entry of <see cref="ScaleTable"/>; null without a hyperprior.</summary>
    public QuantizedCdfTables? GaussianConditionalTables => _contents.Tables.GaussianConditional;

    /// <summary>The Gaussian conditional's scales, strictly rising; empty without a hyperprior.</summary>
    public ReadOnlyMemory<float> ScaleTable => _contents.Tables.ScaleTable;

    /// <summary>The <c>tfc-mnist</c> prior's tables, one per latent dimension; null for the other architectures.</summary>
    public QuantizedCdfTables? PriorTables => _contents.Tables.Prior;

    /// <summary>Loads and validates a model file from disk.</summary>
    /// <param name="path">The file's path.</param>
    /// <param name="maxLength">The largest file accepted; negative for <see cref="DefaultMaxFileLength"/>.</param>
    /// <returns>The model.</returns>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ModelNotFound"/> when there is no such file, <see cref="NicCodecError.ModelFileCorrupt"/> or <see cref="NicCodecError.ModelArchitectureMismatch"/> for an invalid one.</exception>
    public static NicModelFile Load(string path, long maxLength = -1)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromBytes(SafetensorsReader.ReadFile(path, maxLength < 0 ? DefaultMaxFileLength : maxLength));
    }

    /// <summary>Loads and validates a model file held in memory. The bytes are copied.</summary>
    /// <param name="file">The whole file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ModelFileCorrupt"/> or <see cref="NicCodecError.ModelArchitectureMismatch"/> for an invalid file.</exception>
    public static NicModelFile Load(ReadOnlyMemory<byte> file) => FromBytes(file);

    /// <summary>Reads a whole model file from a stream, then loads and validates it.</summary>
    /// <param name="stream">The stream, positioned at the file's first byte.</param>
    /// <param name="maxLength">The largest file accepted (negative for <see cref="DefaultMaxFileLength"/>); a longer stream is refused without being read to the end.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The model.</returns>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ModelFileCorrupt"/> or <see cref="NicCodecError.ModelArchitectureMismatch"/> for an invalid file.</exception>
    public static async Task<NicModelFile> LoadAsync(Stream stream, long maxLength = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] file = await SafetensorsReader.ReadAllAsync(stream, maxLength < 0 ? DefaultMaxFileLength : maxLength, cancellationToken).ConfigureAwait(false);
        return FromBytes(file);
    }

    /// <summary>Tries to find a tensor.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="tensor">The tensor, when present.</param>
    /// <returns>True when the file holds the tensor.</returns>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelTensor? tensor) =>
        _contents.Tensors.TryGetValue(name, out tensor);

    /// <summary>A tensor by name.</summary>
    /// <param name="name">The tensor's name, e.g. <c>g_a.0.weight</c>.</param>
    /// <returns>The tensor.</returns>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    public ModelTensor GetTensor(string name) =>
        _contents.Tensors.TryGetValue(name, out ModelTensor? tensor) ? tensor : throw new KeyNotFoundException($"model '{Name}' has no tensor '{name}'");

    /// <summary>The data of a Float32 tensor.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <returns>Its elements, row-major.</returns>
    public ReadOnlyMemory<float> GetFloat32(string name) => GetTensor(name).Float32Data;

    /// <summary>The data of an Int32 tensor.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <returns>Its elements, row-major.</returns>
    public ReadOnlyMemory<int> GetInt32(string name) => GetTensor(name).Int32Data;

    /// <summary>Checks that this model is the one a <c>.nic</c> file names: same registry name and same SHA-256.</summary>
    /// <param name="expected">The identity the <c>.nic</c> file names.</param>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ModelHashMismatch"/> when the name or the hash differs.</exception>
    public void VerifyIdentity(NicModelId expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (!Id.Equals(expected))
        {
            throw new NicCodecException(NicCodecError.ModelHashMismatch, $"the stream was coded with model {expected}, but the model given is {Id}");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Architecture.Identifier} {Id}";

    /// <summary>Marks a model just built by <see cref="NicModelFamily.AtPosition"/> as that family's at a rate position.</summary>
    internal void SetFamilyRate(NicModelId familyId, float position)
    {
        _familyId = familyId;
        _position = position;
    }

    /// <summary>
    /// Makes this model hold <paramref name="other"/>'s instance of every tensor the two have with the same contents, so
    /// that the points of a family (and the models interpolated between them), which differ only in their gained
    /// tensors, keep one copy of the rest: the six points of <c>nic-mbt2018-mean-cc</c> held 17 MB of tensors each.
    /// Only for a model not yet handed out (tensors are immutable, so sharing them is safe).
    /// </summary>
    internal void ShareTensorsWith(NicModelFile other)
    {
        foreach ((string name, ModelTensor tensor) in _contents.Tensors.ToArray())
        {
            if (other._contents.Tensors.TryGetValue(name, out ModelTensor? theirs) && !ReferenceEquals(theirs, tensor) && tensor.HasSameContents(theirs))
            {
                _contents.Tensors[name] = theirs;
            }
        }
    }

    /// <summary>Loads a file built in memory (a family's point), taking the tensors <paramref name="decoded"/> holds for the same bytes instead of decoding them again.</summary>
    internal static NicModelFile Load(ReadOnlyMemory<byte> file, IReadOnlyDictionary<string, ModelFileParser.DecodedTensor> decoded) => FromBytes(file, decoded);

    private static NicModelFile FromBytes(ReadOnlyMemory<byte> file, IReadOnlyDictionary<string, ModelFileParser.DecodedTensor>? decoded = null)
    {
        ModelFileParser.Contents contents = ModelFileParser.Parse(file, decoded);
        return new NicModelFile(contents, SHA256.HashData(file.Span));
    }
}
