using System.Text.Json;

namespace Nic.Cli.Tests;

/// <summary>
/// <c>nic-torch bitsback compress|decompress</c> with the shipped VAE on 40 of the committed digits: the message decodes
/// to the digits it was made of, at a rate near the model's negative ELBO; other digits, a cut file and another model
/// are told apart by the exit code.
/// </summary>
[Collection(LibtorchCollection.Name)]
public sealed class BitsBackCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-bitsback-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AMessageDecodesToItsDigitsAndDamageIsRefused()
    {
        string model = RepositoryFiles.Find(Path.Combine("models", "bitsback", "bitsback-vae.safetensors"));
        string digits = RepositoryFiles.Find(Path.Combine("tests", "data", "digits", "mnist-300.u8"));
        string message = Path.Combine(_directory, "digits.bba");

        (int code, string stdout, string stderr) = CliRunner.RunTorch("bitsback", "compress", "-m", model, "-o", message, "--digits", digits, "--count", "40", "--json");
        Assert.True(code == 0, stderr);
        using (JsonDocument json = JsonDocument.Parse(stdout))
        {
            JsonElement root = json.RootElement;
            Assert.Equal(40, root.GetProperty("digits").GetInt32());
            Assert.Equal(new FileInfo(message).Length, root.GetProperty("file_bytes").GetInt64());
            Assert.InRange(root.GetProperty("net_over_elbo").GetDouble(), 0.97, 1.03);
        }

        (code, stdout, stderr) = CliRunner.RunTorch("bitsback", "decompress", message, "-m", model, "--digits", digits, "--json");
        Assert.True(code == 0, stderr);
        using (JsonDocument json = JsonDocument.Parse(stdout))
        {
            Assert.Equal(40, json.RootElement.GetProperty("digits").GetInt32());
            Assert.Equal(0, json.RootElement.GetProperty("digits_differing").GetInt32());
        }

        // Checked against other digits (another binarization seed): they differ, exit 2.
        (code, _, _) = CliRunner.RunTorch("bitsback", "decompress", message, "-m", model, "--digits", digits, "--binarize-seed", "7");
        Assert.Equal(ExitCodes.InvalidData, code);

        string cut = Path.Combine(_directory, "cut.bba");
        File.WriteAllBytes(cut, File.ReadAllBytes(message)[..100]);
        (code, _, stderr) = CliRunner.RunTorch("bitsback", "decompress", cut, "-m", model, "--digits", digits);
        Assert.Equal(ExitCodes.InvalidData, code);
        Assert.Contains("error:", stderr);

        (code, _, _) = CliRunner.RunTorch("bitsback", "decompress", message, "-m", RepositoryFiles.Find(Path.Combine("models", "mnist", "tfc-mnist-l2000.nicm")), "--digits", digits);
        Assert.NotEqual(0, code);
    }
}
