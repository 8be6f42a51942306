namespace Nic.Cli.Eval;

/// <summary>One image coded at one setting: its size, bits per pixel, RGB PSNR and times (decode NaN where not measured).</summary>
internal sealed record RdMeasurement(string Image, long Bytes, double Bpp, double PsnrDb, double EncodeSeconds, double DecodeSeconds);
