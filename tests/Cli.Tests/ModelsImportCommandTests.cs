using System.Security.Cryptography;
using Nic.Codec.Models;
using Nic.Torch;
using Nic.Torch.Models;
using Nic.Torch.Tests;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Cli.Tests;

[Collection(LibtorchCollection.Name)]
public sealed class ModelsImportCommandTests : IDisposable
{
    private const int N = 8;
    private const int M = 12;

    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-import-").FullName;

    public ModelsImportCommandTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ImportWritesALoadableModelFileAndPrintsItsIdentity()
    {
        random.manual_seed(31);
        using var model = new MeanScaleHyperpriorModel(N, M);
        string state = Path.Combine(_directory, "state.safetensors");
        TestStateDict.FromModule(model).Save(state);
        string training = Path.Combine(_directory, "training.json");
        const string trainingText = """{"trainer": "pytorch", "steps": 120000}""";
        File.WriteAllText(training, trainingText);
        string output = Path.Combine(_directory, "imported.nicm");

        (int code, string stdout, string stderr) = CliRunner.RunTorch(
            "models", "import", state, "-o", output, "--arch", "mbt2018-mean", "--name", "imported-mean", "--lambda", "0.013",
            "--rate-point", "3", "--family", "imported", "--training", training);

        Assert.True(code == 0, stderr);
        byte[] bytes = File.ReadAllBytes(output);
        string line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("imported-mean", line);
        Assert.Contains("mbt2018-mean", line);
        Assert.Contains("N=8 M=12", line);
        Assert.Contains("float32", line);
        Assert.Contains($"{bytes.Length} bytes", line);
        Assert.Contains($"sha256 {Convert.ToHexStringLower(SHA256.HashData(bytes))}", line);

        NicModelFile file = NicModelFile.Load(output);
        Assert.Equal("imported-mean", file.Name);
        Assert.Equal(ModelArchitectureKind.Mbt2018Mean, file.Architecture.Kind);
        Assert.Equal(ModelHyperParameters.ForChannels(N, M), file.HyperParameters);
        Assert.Equal(0.013, file.Lambda);
        Assert.Equal(3, file.RatePoint);
        Assert.Equal("imported", file.Family);
        Assert.Equal(trainingText, file.Metadata["training"]);
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            Assert.Equal(parameter.detach().data<float>().ToArray(), file.GetFloat32(name).ToArray());
        }

        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void Float16ImportStoresRoundedParameters()
    {
        random.manual_seed(32);
        using var model = new FactorizedPriorModel(N, M);
        string state = Path.Combine(_directory, "state.safetensors");
        TestStateDict.FromModule(model).Save(state);
        string output = Path.Combine(_directory, "half.nicm");

        (int code, string stdout, string stderr) = CliRunner.RunTorch(
            "models", "import", state, "-o", output, "--arch", "bmshj2018-factorized", "--name", "half", "--lambda", "0.01", "--float16");

        Assert.True(code == 0, stderr);
        Assert.Contains("float16", stdout);
        NicModelFile file = NicModelFile.Load(output);
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            float[] rounded = parameter.detach().to_type(ScalarType.Float16).to_type(ScalarType.Float32).data<float>().ToArray();
            Assert.Equal(rounded, file.GetFloat32(name).ToArray());
        }

        // F16 parameters (2 bytes) instead of F32 (4): the file is smaller by about two bytes per parameter element
        // (the header and the tables may differ by a little).
        long elements = model.named_parameters().Sum(p => p.parameter.numel());
        using ImageCompressionModel single = ImageModels.FromStateDict(state, ModelArchitectureKind.Bmshj2018Factorized);
        byte[] singleBytes = single.Export("half", 0.01, null);
        Assert.InRange(singleBytes.Length - new FileInfo(output).Length, (2 * elements) - 1024, (2 * elements) + 1024);
    }

    [Fact]
    public void ABadStateDictExitsWithTwoAndLeavesTheOutputAlone()
    {
        random.manual_seed(33);
        using var model = new ScaleHyperpriorModel(N, M);
        string state = Path.Combine(_directory, "state.safetensors");
        TestStateDict.FromModule(model).Remove("h_s.2.weight").Save(state);
        string output = Path.Combine(_directory, "existing.nicm");
        File.WriteAllText(output, "the previous file");

        (int code, _, string stderr) = CliRunner.RunTorch("models", "import", state, "-o", output, "--arch", "bmshj2018-hyperprior", "--name", "broken", "--lambda", "0.01");

        Assert.Equal(2, code);
        Assert.Contains("h_s.2.weight", stderr);
        Assert.Equal("the previous file", File.ReadAllText(output));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));

        // The right tensors under another architecture are refused too.
        TestStateDict.FromModule(model).Save(state);
        (code, _, stderr) = CliRunner.RunTorch("models", "import", state, "-o", output, "--arch", "bmshj2018-factorized", "--name", "wrong", "--lambda", "0.01");
        Assert.Equal(2, code);
        Assert.Contains("ModelArchitectureMismatch", stderr);
        Assert.Equal("the previous file", File.ReadAllText(output));

        // So is a file that is not safetensors.
        File.WriteAllText(state, "not a safetensors file");
        (code, _, stderr) = CliRunner.RunTorch("models", "import", state, "-o", output, "--arch", "bmshj2018-hyperprior", "--name", "wrong", "--lambda", "0.01");
        Assert.Equal(2, code);
        Assert.Contains("ModelFileCorrupt", stderr);
    }

    [Theory]
    [InlineData("--arch", "tfc-mnist", "unknown image architecture")]
    [InlineData("--name", "Not A Name", "--name 'Not A Name'")]
    [InlineData("--family", "no/slash", "--family 'no/slash'")]
    [InlineData("--lambda", "0", "--lambda must be a positive finite number")]
    [InlineData("--lambda", "NaN", "--lambda must be a positive finite number")]
    [InlineData("state", "missing.safetensors", "no state dict")]
    [InlineData("--training", "missing.json", "cannot read --training")]
    public void BadOptionsExitWithOne(string option, string value, string message)
    {
        random.manual_seed(34);
        using var model = new FactorizedPriorModel(N, M);
        string state = Path.Combine(_directory, "state.safetensors");
        TestStateDict.FromModule(model).Save(state);
        var arguments = new Dictionary<string, string>
        {
            ["state"] = state,
            ["--arch"] = "bmshj2018-factorized",
            ["--name"] = "options",
            ["--lambda"] = "0.01",
        };
        arguments[option] = option is "state" or "--training" ? Path.Combine(_directory, value) : value;
        string output = Path.Combine(_directory, "options.nicm");
        string[] args =
        [
            "models", "import", arguments["state"], "-o", output,
            .. arguments.Where(a => a.Key != "state").SelectMany(a => new[] { a.Key, a.Value }),
        ];

        (int code, _, string stderr) = CliRunner.RunTorch(args);

        Assert.Equal(1, code);
        Assert.Contains(message, stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ATrainingFileThatIsNotJsonExitsWithTwo()
    {
        using var model = new FactorizedPriorModel(N, M);
        string state = Path.Combine(_directory, "state.safetensors");
        TestStateDict.FromModule(model).Save(state);
        string training = Path.Combine(_directory, "training.json");
        File.WriteAllText(training, "{ steps: 5 ");
        string output = Path.Combine(_directory, "out.nicm");

        (int code, _, string stderr) = CliRunner.RunTorch("models", "import", state, "-o", output, "--arch", "bmshj2018-factorized", "--name", "x", "--lambda", "0.01", "--training", training);

        Assert.Equal(2, code);
        Assert.Contains("not a JSON document", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ArchNameAndLambdaAreRequired()
    {
        foreach (string missing in new[] { "--arch", "--name", "--lambda", "-o" })
        {
            var args = new List<string> { "models", "import", "state.safetensors" };
            foreach ((string option, string value) in new[] { ("--arch", "mbt2018-mean"), ("--name", "x"), ("--lambda", "0.01"), ("-o", "out.nicm") })
            {
                if (option != missing)
                {
                    args.AddRange([option, value]);
                }
            }

            (int code, _, string stderr) = CliRunner.RunTorch([.. args]);
            Assert.True(code == 1, $"without {missing}: exit {code}");
            Assert.Contains(missing, stderr);
        }
    }
}
