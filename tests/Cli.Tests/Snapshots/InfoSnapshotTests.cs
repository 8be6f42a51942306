#if NIC_VERIFY_SNAPSHOTS
using Nic.Cli.Conformance;
using VerifyXunit;

namespace Nic.Cli.Tests.Snapshots;

/// <summary>
/// <c>nic info --json</c> of every golden conformance stream against its committed snapshot
/// (<c>InfoSnapshotTests.InfoJson_name=….verified.txt</c>; the stream's path is written as <c>{stream}</c>).
/// </summary>
[UsesVerify]
public sealed class InfoSnapshotTests
{
    public static TheoryData<string> GoldenCases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (ConformanceCase test in ConformanceManifest.Load(ConformanceSuiteTests.SuiteDirectory).Cases.Where(c => c.Kind == ConformanceCase.Golden))
            {
                data.Add(test.Name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public Task InfoJson(string name)
    {
        string path = Path.Combine(ConformanceSuiteTests.SuiteDirectory, "golden", name + ".nic");
        var run = CliRunner.Run("info", path, "--json");
        Assert.Equal(0, run.ExitCode);
        return Verifier.Verify(run.Output.Replace(System.Text.Json.JsonEncodedText.Encode(path).ToString(), "{stream}", StringComparison.Ordinal)).UseParameters(name);
    }
}
#endif
