using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Nic.Codec;
using Nic.Format;

namespace Nic.Cli.Conformance;

/// <summary>The expected-header JSON of a golden case: every header field, and the length and SHA-256 of each metadata chunk.</summary>
internal static class ConformanceHeader
{
    public static string ToJson(NicImageInfo info)
    {
        NicHeader h = info.Header;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("version", info.FormatVersion.ToString(2));
            json.WriteNumber("width", h.Width);
            json.WriteNumber("height", h.Height);
            json.WriteNumber("channel_layout", (int)h.ChannelLayout);
            json.WriteNumber("padding_rule", (int)h.PaddingRule);
            json.WriteNumber("alignment", h.Alignment);
            json.WriteNumber("rate_point", h.RatePoint);
            json.WriteNumber("rate_parameter", h.RateParameter);
            json.WriteString("model_name", h.Model.Name);
            json.WriteString("model_sha256", h.Model.Sha256Hex);
            Commands.InfoCommand.WriteShape(json, "z_shape", h.ZShape);
            Commands.InfoCommand.WriteShape(json, "y_shape", h.YShape);
            json.WriteNumber("band_layout", (int)h.BandLayout);
            json.WriteNumber("band_rows", h.BandRows);
            json.WriteNumber("band_count", h.BandCount);
            json.WriteNumber("flags", h.Flags);
            WriteMetadata(json, "icc_profile", info.Metadata.IccProfile);
            WriteMetadata(json, "exif", info.Metadata.Exif);
            WriteMetadata(json, "xmp", info.Metadata.Xmp);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteMetadata(Utf8JsonWriter json, string name, byte[]? bytes)
    {
        if (bytes is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteNumber("bytes", bytes.Length);
        json.WriteString("sha256", Convert.ToHexStringLower(SHA256.HashData(bytes)));
        json.WriteEndObject();
    }
}
