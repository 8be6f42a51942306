using Nic.Codec.Imaging;

namespace Nic.Cli.Eval;

/// <summary>
/// A conventional image codec run through its command-line encoder and decoder, the reference points of a
/// rate–distortion comparison. An image is written to a temporary folder in the format the encoder reads, encoded at a
/// quality setting, decoded again, and measured: the size of the coded file and the RGB PSNR of the decoded pixels.
/// The instances are in <see cref="ClassicalCodecs"/>.
/// </summary>
internal sealed class ClassicalCodec
{
    private readonly Func<int, string, string, IReadOnlyList<string>> _encoderArguments;
    private readonly Func<string, string, IReadOnlyList<string>> _decoderArguments;

    /// <summary>Describes a codec.</summary>
    /// <param name="name">The short name, e.g. "jpeg".</param>
    /// <param name="encoderTool">The encoder program's name on the PATH.</param>
    /// <param name="decoderTool">The decoder program's name on the PATH.</param>
    /// <param name="inputExtension">".ppm" or ".png": the format the encoder reads.</param>
    /// <param name="codedExtension">The extension of the coded file, e.g. ".jpg" (some tools choose the container by it).</param>
    /// <param name="decodedExtension">".ppm" or ".png": the format the decoder writes.</param>
    /// <param name="qualityRange">The quality settings the encoder accepts.</param>
    /// <param name="defaultQualities">The quality sweep of a rate–distortion curve, ascending.</param>
    /// <param name="encoderArguments">The encoder's arguments for (quality, input path, coded path).</param>
    /// <param name="decoderArguments">The decoder's arguments for (coded path, decoded path).</param>
    public ClassicalCodec(
        string name,
        string encoderTool,
        string decoderTool,
        string inputExtension,
        string codedExtension,
        string decodedExtension,
        (int Min, int Max) qualityRange,
        IReadOnlyList<int> defaultQualities,
        Func<int, string, string, IReadOnlyList<string>> encoderArguments,
        Func<string, string, IReadOnlyList<string>> decoderArguments)
    {
        Name = name;
        EncoderTool = encoderTool;
        DecoderTool = decoderTool;
        InputExtension = inputExtension;
        CodedExtension = codedExtension;
        DecodedExtension = decodedExtension;
        MinQuality = qualityRange.Min;
        MaxQuality = qualityRange.Max;
        DefaultQualities = defaultQualities;
        _encoderArguments = encoderArguments;
        _decoderArguments = decoderArguments;
    }

    /// <summary>The short name, e.g. "jpeg".</summary>
    public string Name { get; }

    /// <summary>The encoder program's name on the PATH.</summary>
    public string EncoderTool { get; }

    /// <summary>The decoder program's name on the PATH.</summary>
    public string DecoderTool { get; }

    /// <summary>The format the encoder reads: ".ppm" or ".png".</summary>
    public string InputExtension { get; }

    /// <summary>The extension of the coded file.</summary>
    public string CodedExtension { get; }

    /// <summary>The format the decoder writes: ".ppm" or ".png".</summary>
    public string DecodedExtension { get; }

    /// <summary>The lowest quality setting accepted.</summary>
    public int MinQuality { get; }

    /// <summary>The highest quality setting accepted.</summary>
    public int MaxQuality { get; }

    /// <summary>The quality settings of a default rate–distortion curve, ascending: roughly 0.1 to 2 bpp on photos.</summary>
    public IReadOnlyList<int> DefaultQualities { get; }

    /// <summary>Whether both the encoder and the decoder are on the PATH.</summary>
    public bool IsAvailable => ExternalTool.IsOnPath(EncoderTool) && ExternalTool.IsOnPath(DecoderTool);

    /// <summary>The encoder's command line for a quality setting and paths, as passed (no shell involved).</summary>
    public IReadOnlyList<string> EncoderArguments(int quality, string inputPath, string codedPath) => _encoderArguments(quality, inputPath, codedPath);

    /// <summary>The decoder's command line for paths, as passed (no shell involved).</summary>
    public IReadOnlyList<string> DecoderArguments(string codedPath, string decodedPath) => _decoderArguments(codedPath, decodedPath);

    /// <summary>Encodes <paramref name="image"/> at <paramref name="quality"/>, decodes it and measures rate and PSNR; the temporary files are removed in every case.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The quality is outside [<see cref="MinQuality"/>, <see cref="MaxQuality"/>].</exception>
    /// <exception cref="ExternalToolException">The encoder or decoder is missing or fails; the message carries its standard error.</exception>
    /// <exception cref="InvalidDataException">The decoder's output is not an image of the input's size.</exception>
    public async Task<ClassicalCodecResult> CompressAsync(RgbImage image, int quality, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, MinQuality);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, MaxQuality);
        DirectoryInfo folder = Directory.CreateTempSubdirectory($"nic-{Name}-");
        try
        {
            string inputPath = Path.Combine(folder.FullName, "input" + InputExtension);
            string codedPath = Path.Combine(folder.FullName, "coded" + CodedExtension);
            string decodedPath = Path.Combine(folder.FullName, "decoded" + DecodedExtension);
            ToolImageFile.Write(image, inputPath);
            TimeSpan encodeTime = await ExternalTool.RunAsync(EncoderTool, EncoderArguments(quality, inputPath, codedPath), cancellationToken).ConfigureAwait(false);
            long bytes = new FileInfo(codedPath).Length;
            await ExternalTool.RunAsync(DecoderTool, DecoderArguments(codedPath, decodedPath), cancellationToken).ConfigureAwait(false);
            RgbImage decoded = ToolImageFile.Read(decodedPath);
            if (decoded.Width != image.Width || decoded.Height != image.Height)
            {
                throw new InvalidDataException($"{DecoderTool} returned a {decoded.Width}×{decoded.Height} image for a {image.Width}×{image.Height} input");
            }

            double bpp = bytes * 8.0 / image.PixelCount;
            return new ClassicalCodecResult(Name, quality, bytes, bpp, ImageQuality.Psnr(image, decoded), encodeTime.TotalSeconds);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({EncoderTool}/{DecoderTool})";
}
