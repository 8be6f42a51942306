using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec;
using Nic.Format;
using Nic.Codec.Pipeline;

namespace Nic.Codec.Tests.Pipeline;

/// <summary>
/// <c>.nic</c> files made without an encoder: a file whose every z and y symbol is 0 (so ŷ is h_s's mean), valid for any
/// size and much cheaper to make than encoding an image of that size; and files whose header declares a size that the
/// rest of the file does not back.
/// </summary>
internal static class SyntheticNicFiles
{
    /// <summary>A valid file of <paramref name="width"/> × <paramref name="height"/> for a hyperprior model, every symbol 0.</summary>
    public static byte[] ZeroSymbols(NicCodec codec, NicModelFile file, int width, int height, int bandRows = 8)
    {
        CodecModel model = codec.GetModel(file);
        NicHeader header = Header(model, width, height, bandRows);
        NicLatentShape z = header.ZShape, y = header.YShape;
        var zSymbols = new int[z.Channels * z.Height * z.Width];
        byte[] zStream = model.Bottleneck.EncodeSymbols(zSymbols, z.Height, z.Width);
        EntropyParameters parameters = model.Managed.HyperSynthesize(model.Bottleneck.Dequantize(zSymbols, z.Height, z.Width));
        var bands = new byte[header.BandCount][];
        for (int band = 0; band < bands.Length; band++)
        {
            int rows = header.GetBandRowCount(band);
            bands[band] = model.Gaussian!.EncodeSymbols(new int[y.Channels * rows * y.Width], parameters, header.GetBandFirstRow(band), rows);
        }

        return new NicFile { Header = header, ZSubstream = zStream, Bands = bands }.ToArray();
    }

    /// <summary>
    /// A file of a few hundred bytes whose header declares <paramref name="width"/> × <paramref name="height"/> with the
    /// shapes <paramref name="file"/> makes of that size, followed by an 8-byte z stream and one 8-byte band: only the
    /// header is valid, so a decoder that allocated for the declared size before checking it would be caught.
    /// </summary>
    public static byte[] HeaderOnly(NicCodec codec, NicModelFile file, int width, int height)
    {
        NicHeader header = Header(codec.GetModel(file), width, height, bandRows: int.MaxValue);
        byte[] state = [0, 0, 0, 0x80, 0, 0, 0, 0];
        return new NicFile { Header = header, ZSubstream = state, Bands = [state] }.ToArray();
    }

    private static NicHeader Header(CodecModel model, int width, int height, int bandRows)
    {
        int paddedWidth = ImagePlanes.Align(width, model.Alignment);
        int paddedHeight = ImagePlanes.Align(height, model.Alignment);
        var y = new NicLatentShape(model.M, paddedHeight / model.LatentFactor, paddedWidth / model.LatentFactor);
        return new NicHeader
        {
            Width = width,
            Height = height,
            Alignment = model.Alignment,
            RatePoint = model.File.RatePoint,
            RateParameter = (float)model.File.Lambda,
            Model = model.File.Id,
            ZShape = new NicLatentShape(model.N, paddedHeight / 64, paddedWidth / 64),
            YShape = y,
            BandRows = Math.Min(bandRows, y.Height),
        };
    }
}
