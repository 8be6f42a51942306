namespace Nic.Cli.Eval;

/// <summary>One measured point of a classical codec: an image coded at one quality setting and decoded again.</summary>
/// <param name="Codec">The codec's name, as in <see cref="ClassicalCodec.Name"/>.</param>
/// <param name="Quality">The quality setting passed to the encoder (higher is better).</param>
/// <param name="Bytes">The size of the coded file, container included.</param>
/// <param name="Bpp">The rate: bytes·8 / (width·height).</param>
/// <param name="PsnrDb">The RGB PSNR of the decoded image against the input, in dB.</param>
/// <param name="EncodeSeconds">The wall-clock time of the encoder process, start-up included.</param>
internal sealed record ClassicalCodecResult(string Codec, int Quality, long Bytes, double Bpp, double PsnrDb, double EncodeSeconds)
{
    /// <summary>The result as a point of a rate–distortion curve.</summary>
    public RdPoint ToRdPoint() => new(Bpp, PsnrDb);
}
