using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

/// <summary>The test vectors of spec/nic-coding.md §9: the spec's bytes, produced and decoded by the implementation.</summary>
public class SpecVectorTests
{
    [Fact]
    public void TheIndexedTableVectorMatchesTheSpec()
    {
        QuantizedCdfTables tables = QuantizedCdfTables.FromCdfs([[0, 30000, 65000, 65536]], [-1]);
        int[] values = [0, 1, -1, 2, 7];
        byte[] coded = IndexedEntropyCoder.Encode(values, new int[5], tables);
        Assert.Equal("41A0D8C9420E0000403FBFF7", Convert.ToHexString(coded));

        var decoded = new int[5];
        IndexedEntropyCoder.Decode(coded, new int[5], tables, decoded);
        Assert.Equal(values, decoded);
    }

    [Fact]
    public void TheInt16CdfVectorMatchesTheSpec()
    {
        short[] rows = [0, 21845, -21845, 0, 0, 21845, -21845, 0, 0, 21845, -21845, 0];
        byte[] coded = CdfCoder.EncodeInt16NormalizedCdf(rows, 4, [2, 0, 1]);
        Assert.Equal("ACAA02800D000000", Convert.ToHexString(coded));
        Assert.Equal([2, 0, 1], CdfCoder.DecodeInt16NormalizedCdf(rows, 4, coded));
    }

    [Fact]
    public void TheSpecHexBlocksAreTheOnesTested()
    {
        string spec = File.ReadAllText(Path.Combine(RepositoryRoot(), "spec", "nic-coding.md"));
        Assert.Contains("41 A0 D8 C9 42 0E 00 00   state x = 0x00000E42C9D8A041", spec);
        Assert.Contains("40 3F BF F7               one word, 0xF7BF3F40", spec);
        Assert.Contains("AC AA 02 80 0D 00 00 00   state x = 0x0000000D8002AAAC", spec);
        Assert.Contains("D3 29 3B 02 A1 E0 5F 9D   indexed vector", spec);
        Assert.Contains("AD AA 03                  int16 vector", spec);
        Assert.Equal("D3293B02A1E05F9D", CompactStreamTests.CompactIndexedVector);
        Assert.Equal("ADAA03", CompactStreamTests.CompactInt16Vector);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (with Sdk.sln) was not found above " + AppContext.BaseDirectory);
    }
}
