using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Nic.Codec.Models;

namespace Nic.Codec.BitsBack;

/// <summary>
/// The variational autoencoder of bits-back coding for binarized 28 × 28 digits (spec/nic-coding.md §13.1): an
/// encoder 784 → H (ReLU) → (μ, log σ) of a diagonal Gaussian posterior over an L-dimensional latent, and a decoder
/// L → H (ReLU) → 784 Bernoulli logits. It is stored as a safetensors file (spec/nic-model.md §2) whose metadata
/// says <c>format = nic-bitsback-vae</c>, and it runs in the managed engine's dense-layer arithmetic
/// (spec/nic-model.md §10), so that the probabilities it gives the coder are identical on every machine.
/// </summary>
public sealed class BitsBackVae
{
    /// <summary>Samples per digit, 28 × 28.</summary>
    public const int Pixels = 784;

    /// <summary>The metadata value of <c>format</c> that marks a bits-back VAE file.</summary>
    public const string FormatName = "nic-bitsback-vae";

    /// <summary>The largest hidden width and latent size a file may declare (checked before anything is allocated).</summary>
    public const int MaxHidden = 4096;

    /// <summary>The largest latent size a file may declare.</summary>
    public const int MaxLatent = 256;

    private const string FormatKey = "format";
    private const string VersionKey = "format_version";
    private const string HiddenKey = "hidden";
    private const string LatentKey = "latent";

    // Weights transposed to [inputs][outputs], so that vector lanes run over outputs (§10's order per output).
    private readonly float[] _encoderHidden, _encoderHiddenBias, _mean, _meanBias, _logScale, _logScaleBias;
    private readonly float[] _decoderHidden, _decoderHiddenBias, _logits, _logitsBias;
    private readonly byte[] _file;

    private BitsBackVae(int hidden, int latent, IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata, byte[] file)
    {
        HiddenUnits = hidden;
        LatentDimensions = latent;
        Metadata = metadata;
        _file = file;
        Sha256 = SHA256.HashData(file);
        _encoderHidden = Transpose(tensors["encoder.hidden.weight"], hidden, Pixels);
        _encoderHiddenBias = tensors["encoder.hidden.bias"];
        _mean = Transpose(tensors["encoder.mean.weight"], latent, hidden);
        _meanBias = tensors["encoder.mean.bias"];
        _logScale = Transpose(tensors["encoder.log_scale.weight"], latent, hidden);
        _logScaleBias = tensors["encoder.log_scale.bias"];
        _decoderHidden = Transpose(tensors["decoder.hidden.weight"], hidden, latent);
        _decoderHiddenBias = tensors["decoder.hidden.bias"];
        _logits = Transpose(tensors["decoder.logits.weight"], Pixels, hidden);
        _logitsBias = tensors["decoder.logits.bias"];
    }

    /// <summary>H, the width of the hidden layer of the encoder and of the decoder.</summary>
    public int HiddenUnits { get; }

    /// <summary>L, the dimensions of the latent.</summary>
    public int LatentDimensions { get; }

    /// <summary>The file's metadata (format keys and whatever the trainer recorded).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The SHA-256 of the file, which a bits-back file names (§13.4).</summary>
    public ReadOnlyMemory<byte> Sha256 { get; }

    /// <summary>The tensors a file holds for hidden width H and latent size L, with their shapes (PyTorch <c>Linear</c> layout [outputs, inputs]).</summary>
    /// <param name="hidden">H.</param>
    /// <param name="latent">L.</param>
    /// <returns>Names and shapes.</returns>
    public static IReadOnlyList<(string Name, int[] Shape)> TensorShapes(int hidden, int latent) =>
    [
        ("decoder.hidden.bias", [hidden]),
        ("decoder.hidden.weight", [hidden, latent]),
        ("decoder.logits.bias", [Pixels]),
        ("decoder.logits.weight", [Pixels, hidden]),
        ("encoder.hidden.bias", [hidden]),
        ("encoder.hidden.weight", [hidden, Pixels]),
        ("encoder.log_scale.bias", [latent]),
        ("encoder.log_scale.weight", [latent, hidden]),
        ("encoder.mean.bias", [latent]),
        ("encoder.mean.weight", [latent, hidden]),
    ];

    /// <summary>Makes a model (and its file) from trained weights.</summary>
    /// <param name="hidden">H.</param>
    /// <param name="latent">L.</param>
    /// <param name="tensors">Every tensor of <see cref="TensorShapes"/>, row-major.</param>
    /// <param name="metadata">Extra metadata to record (not the format keys).</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">A tensor is missing, extra, of the wrong size or not finite, or a metadata key is reserved.</exception>
    public static BitsBackVae Create(int hidden, int latent, IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hidden, MaxHidden);
        ArgumentOutOfRangeException.ThrowIfLessThan(latent, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(latent, MaxLatent);
        var shapes = TensorShapes(hidden, latent);
        if (tensors.Count != shapes.Count)
        {
            throw new ArgumentException($"a bits-back VAE has {shapes.Count} tensors, not {tensors.Count}", nameof(tensors));
        }

        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> pair in metadata ?? new Dictionary<string, string>())
        {
            if (pair.Key is FormatKey or VersionKey or HiddenKey or LatentKey)
            {
                throw new ArgumentException($"the metadata key {pair.Key} is written by the format", nameof(metadata));
            }

            all[pair.Key] = pair.Value;
        }

        all[FormatKey] = FormatName;
        all[VersionKey] = "1";
        all[HiddenKey] = hidden.ToString(CultureInfo.InvariantCulture);
        all[LatentKey] = latent.ToString(CultureInfo.InvariantCulture);
        var written = new List<SafetensorsWriter.Tensor>();
        foreach ((string name, int[] shape) in shapes)
        {
            if (!tensors.TryGetValue(name, out float[]? values) || values.Length != shape.Aggregate(1, (a, b) => a * b))
            {
                throw new ArgumentException($"tensor {name} [{string.Join(", ", shape)}] is missing or of the wrong size", nameof(tensors));
            }

            if (values.Any(v => !float.IsFinite(v)))
            {
                throw new ArgumentException($"tensor {name} holds a value that is not finite", nameof(tensors));
            }

            written.Add(new SafetensorsWriter.Tensor(name, SafetensorsDataType.F32, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        }

        byte[] file = SafetensorsWriter.Write(all, written);
        return Load(file);
    }

    /// <summary>Reads a model file (§13.1).</summary>
    /// <param name="file">The file's bytes.</param>
    /// <returns>The model.</returns>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ModelFileCorrupt"/> when the container is invalid; <see cref="NicCodecError.ModelArchitectureMismatch"/> when it is not a bits-back VAE of consistent shapes with finite weights.</exception>
    public static BitsBackVae Load(ReadOnlyMemory<byte> file)
    {
        SafetensorsFile parsed = SafetensorsReader.Parse(file);
        IReadOnlyDictionary<string, string> metadata = parsed.Metadata;
        if (!metadata.TryGetValue(FormatKey, out string? format) || format != FormatName)
        {
            throw Mismatch($"the file's metadata does not say {FormatKey} = {FormatName}");
        }

        if (!metadata.TryGetValue(VersionKey, out string? version) || version != "1")
        {
            throw Mismatch($"{FormatKey} {FormatName} version {version ?? "(none)"} is not 1");
        }

        int hidden = ReadCount(metadata, HiddenKey, MaxHidden);
        int latent = ReadCount(metadata, LatentKey, MaxLatent);
        var shapes = TensorShapes(hidden, latent);
        if (parsed.Entries.Count != shapes.Count)
        {
            throw Mismatch($"a bits-back VAE has {shapes.Count} tensors, the file {parsed.Entries.Count}");
        }

        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach ((string name, int[] shape) in shapes)
        {
            SafetensorsEntry? entry = parsed.Entries.FirstOrDefault(e => e.Name == name);
            if (entry is null || entry.DataType != SafetensorsDataType.F32 || !entry.Shape.SequenceEqual(shape))
            {
                throw Mismatch($"tensor {name} must be F32 [{string.Join(", ", shape)}]");
            }

            ReadOnlySpan<byte> bytes = parsed.GetBytes(entry);
            var values = new float[bytes.Length / sizeof(float)];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
                if (!float.IsFinite(values[i]))
                {
                    throw Mismatch($"tensor {name} holds a value that is not finite at {i}");
                }
            }

            tensors[name] = values;
        }

        return new BitsBackVae(hidden, latent, tensors, metadata, file.ToArray());
    }

    /// <summary>Reads a model file from disk (at most 64 MiB).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="NicCodecException">As for <see cref="Load(ReadOnlyMemory{byte})"/>, and <see cref="NicCodecError.ModelNotFound"/> when there is no file.</exception>
    public static BitsBackVae LoadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new NicCodecException(NicCodecError.ModelNotFound, $"no bits-back VAE file at {path}");
        }

        return Load(SafetensorsReader.ReadFile(path, 64L << 20));
    }

    /// <summary>The file's bytes.</summary>
    /// <returns>A copy.</returns>
    public byte[] ToFile() => (byte[])_file.Clone();

    /// <summary>
    /// The posterior q(z|x) of a binarized digit: μ and σ = exp(log σ) per latent dimension. The dense layers follow
    /// spec/nic-model.md §10 (products and sums in binary32, each output from +0 in input order, then its bias); σ is
    /// <see cref="BitsBackMath.Exp"/> of log σ in binary64.
    /// </summary>
    internal void Posterior(ReadOnlySpan<byte> digit, Span<float> mean, Span<double> scale)
    {
        int h = HiddenUnits, l = LatentDimensions;
        Span<float> hidden = h <= 1024 ? stackalloc float[h] : new float[h];
        hidden.Clear();

        // Inputs are 0 or 1: a product w · 0 is ±0, and adding ±0 to an accumulator that started at +0 leaves it
        // unchanged (a sum is −0 only when both terms are), so skipping the zeros gives the same bits as §10's loop.
        for (int i = 0; i < Pixels; i++)
        {
            if (digit[i] != 0)
            {
                AddScaledRow(hidden, _encoderHidden.AsSpan(i * h, h), 1f);
            }
        }

        AddBiasRelu(hidden, _encoderHiddenBias, relu: true);
        Span<float> logScale = l <= 1024 ? stackalloc float[l] : new float[l];
        Dense(hidden, _mean, _meanBias, mean[..l], relu: false);
        Dense(hidden, _logScale, _logScaleBias, logScale, relu: false);
        for (int j = 0; j < l; j++)
        {
            scale[j] = BitsBackMath.Exp(logScale[j]);
        }
    }

    /// <summary>The decoder's 784 Bernoulli logits for a latent (spec/nic-model.md §10 arithmetic).</summary>
    internal void Logits(ReadOnlySpan<float> latent, Span<float> logits)
    {
        int h = HiddenUnits;
        Span<float> hidden = h <= 1024 ? stackalloc float[h] : new float[h];
        Dense(latent[..LatentDimensions], _decoderHidden, _decoderHiddenBias, hidden, relu: true);
        Dense(hidden, _logits, _logitsBias, logits[..Pixels], relu: false);
    }

    /// <summary>output = W·x + b with W transposed to [inputs][outputs]: acc from +0, for input i ascending acc += w·x_i.</summary>
    private static void Dense(ReadOnlySpan<float> input, float[] weightT, float[] bias, Span<float> output, bool relu)
    {
        int outputs = output.Length;
        output.Clear();
        for (int i = 0; i < input.Length; i++)
        {
            AddScaledRow(output, weightT.AsSpan(i * outputs, outputs), input[i]);
        }

        AddBiasRelu(output, bias, relu);
    }

    /// <summary>acc[o] = acc[o] + (w[o] · x), each product and sum rounded to binary32 (vector lanes each do exactly that, no FMA).</summary>
    private static void AddScaledRow(Span<float> accumulator, ReadOnlySpan<float> row, float x)
    {
        int o = 0;
        if (Vector.IsHardwareAccelerated && accumulator.Length >= Vector<float>.Count)
        {
            var scale = new Vector<float>(x);
            Span<Vector<float>> acc = MemoryMarshal.Cast<float, Vector<float>>(accumulator);
            ReadOnlySpan<Vector<float>> w = MemoryMarshal.Cast<float, Vector<float>>(row);
            for (int v = 0; v < acc.Length; v++)
            {
                Vector<float> product = w[v] * scale;
                acc[v] = acc[v] + product;
            }

            o = acc.Length * Vector<float>.Count;
        }

        for (; o < accumulator.Length; o++)
        {
            float product = row[o] * x;
            accumulator[o] = accumulator[o] + product;
        }
    }

    private static void AddBiasRelu(Span<float> values, float[] bias, bool relu)
    {
        for (int o = 0; o < values.Length; o++)
        {
            float v = values[o] + bias[o];
            values[o] = relu ? (v > 0 ? v : 0f) : v;
        }
    }

    private static float[] Transpose(float[] weight, int outputs, int inputs)
    {
        var t = new float[weight.Length];
        for (int o = 0; o < outputs; o++)
        {
            for (int i = 0; i < inputs; i++)
            {
                t[(i * outputs) + o] = weight[(o * inputs) + i];
            }
        }

        return t;
    }

    private static int ReadCount(IReadOnlyDictionary<string, string> metadata, string key, int max)
    {
        if (!metadata.TryGetValue(key, out string? text) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1 || value > max)
        {
            throw Mismatch($"metadata {key} must be an integer in 1..{max}");
        }

        return value;
    }

    private static NicCodecException Mismatch(string message) => new(NicCodecError.ModelArchitectureMismatch, message);
}
