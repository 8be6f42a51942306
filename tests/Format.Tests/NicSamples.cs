using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using Nic.Format;

namespace Nic.Format.Tests;

/// <summary>Sample headers and files, and a builder for hand-made (possibly malformed) containers.</summary>
internal static class NicSamples
{
    public static NicModelId Model { get; } = new("bmshj2018-hyperprior", SHA256.HashData([]));

    /// <summary>The file of spec/nic-format.md §10.</summary>
    public static NicHeader SpecExampleHeader { get; } = new()
    {
        Width = 2,
        Height = 3,
        Alignment = 64,
        RatePoint = 3,
        RateParameter = 0.0067f,
        Model = Model,
        ZShape = new NicLatentShape(128, 1, 1),
        YShape = new NicLatentShape(192, 4, 4),
        BandRows = 2,
    };

    public static NicFile SpecExample { get; } = new()
    {
        Header = SpecExampleHeader,
        ZSubstream = [1, 2, 3, 4, 5],
        Bands = [[0xA0, 0xA1, 0xA2], [0xB0, 0xB1]],
    };

    /// <summary>A file with every kind of chunk: metadata, z substream and three bands (the last shorter).</summary>
    public static NicFile Full { get; } = new()
    {
        Header = SpecExampleHeader with { Width = 100, Height = 70, YShape = new NicLatentShape(192, 5, 7) },
        Metadata = new NicMetadata
        {
            IccProfile = [.. Enumerable.Range(0, 40).Select(i => (byte)i)],
            Exif = [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 0],
            Xmp = "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"u8.ToArray(),
        },
        ZSubstream = [9, 8, 7, 6, 5, 4, 3],
        Bands = [[1, 2, 3, 4], [5, 6], [7]],
    };

    public static byte[] Preamble(byte major = 1, byte minor = 0) =>
        [0x8B, (byte)'N', (byte)'I', (byte)'C', 0x0D, 0x0A, 0x1A, 0x0A, major, minor];

    public static byte[] HeadPayload(NicHeader header)
    {
        var payload = new byte[NicHeaderCodec.GetLength(header)];
        NicHeaderCodec.Write(header, payload);
        return payload;
    }

    /// <summary>A chunk with a correct CRC unless one is given; the length field may be overridden.</summary>
    public static byte[] Chunk(string type, ReadOnlySpan<byte> payload, uint? crc = null, uint? length = null)
    {
        var bytes = new byte[12 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, length ?? (uint)payload.Length);
        for (var i = 0; i < 4; i++)
        {
            bytes[4 + i] = (byte)type[i];
        }

        payload.CopyTo(bytes.AsSpan(8));
        var actualCrc = Crc32.HashToUInt32(bytes.AsSpan(4, 4 + payload.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8 + payload.Length), crc ?? actualCrc);
        return bytes;
    }

    public static byte[] Band(uint index, params byte[] coded) => Chunk("YBND", [.. BitConverter.GetBytes(index), .. coded]);

    public static byte[] Done() => Chunk("DONE", []);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>The spec example built from raw chunks, with the given HEAD payload.</summary>
    public static byte[] ExampleWithHead(byte[] headPayload, byte minor = 0) => Concat(
        Preamble(minor: minor),
        Chunk("HEAD", headPayload),
        Chunk("ZSUB", [1, 2, 3, 4, 5]),
        Band(0, 0xA0),
        Band(1, 0xB0),
        Done());
}
