using System.Globalization;
using System.Text.RegularExpressions;
using Nic.Format;

namespace Nic.Format.Tests;

public sealed partial class SpecExampleTests
{
    [Fact]
    public void Spec_hex_dump_matches_writer_output()
    {
        var (bytes, offsetsConsistent) = ParseSpecHexDump();
        Assert.True(offsetsConsistent, "every line's offset in the spec's hex dump must equal the number of bytes before it");
        Assert.Equal(Convert.ToHexString(NicSamples.SpecExample.ToArray()), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Spec_hex_dump_reads_back_to_the_example()
    {
        var (bytes, _) = ParseSpecHexDump();
        NicAssert.Equal(NicSamples.SpecExample, NicFile.Read(bytes));
    }

    [Fact]
    public void Example_file_is_the_spec_hex_dump()
    {
        var path = Path.Combine(Path.GetDirectoryName(FindSpec())!, "examples", "container-example.nic");
        Assert.Equal(Convert.ToHexString(NicSamples.SpecExample.ToArray()), Convert.ToHexString(File.ReadAllBytes(path)));
    }

    [Fact]
    public void Spec_error_table_lists_every_error_code_with_its_value()
    {
        var spec = File.ReadAllText(FindSpec());
        foreach (var error in Enum.GetValues<NicFormatError>())
        {
            Assert.Contains($"| {(int)error} | `{error}` |", spec);
        }
    }

    internal static (byte[] Bytes, bool OffsetsConsistent) ParseSpecHexDump()
    {
        var spec = File.ReadAllText(FindSpec());
        var block = HexBlock().Match(spec);
        Assert.True(block.Success, "spec/nic-format.md has a ```hex block");
        var bytes = new List<byte>();
        var consistent = true;
        foreach (var line in block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var data = line.Split('|')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            consistent &= int.Parse(data[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == bytes.Count;
            bytes.AddRange(data.Skip(1).Select(b => byte.Parse(b, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }

        return (bytes.ToArray(), consistent);
    }

    private static string FindSpec()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "spec", "nic-format.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("spec/nic-format.md not found above the test output folder.");
    }

    [GeneratedRegex(@"```hex\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex HexBlock();
}
