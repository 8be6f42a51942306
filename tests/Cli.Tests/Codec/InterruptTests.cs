using System.Diagnostics;
using Nic.Cli.Imaging;
using Nic.Codec.Catalog;
using Nic.Codec.EntropyModels;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Cli.Tests.Codec;

/// <summary>
/// The commands never replace a good output file with a broken one: Ctrl-C (SIGINT) sent to a real <c>nic</c> process
/// in the middle of a decode or an encode leaves the previous file as it was and no temporary file behind, and exits
/// with 130; a decode that fails half-way leaves the previous file too.
/// </summary>
public sealed class InterruptTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [LinuxFact]
    public async Task CtrlCDuringADecodeLeavesThePreviousFileAndNoTemporaryFile()
    {
        string nic = Path.Combine(_directory, "photo.nic");
        await File.WriteAllBytesAsync(nic, ZeroSymbolFile(3000, 2000));
        string png = Path.Combine(_directory, "photo.png");
        byte[] previous = ImageFiles.EncodePng(TestImageFiles.Pattern(30, 20));
        await File.WriteAllBytesAsync(png, previous);

        using Process child = NicChildProcess.Start("decode", nic, "-o", png, "--threads", "1");
        Task<string> error = child.StandardError.ReadToEndAsync();
        Task<string> output = child.StandardOutput.ReadToEndAsync();

        // The decode holds the .nic file open from its header to its last band: some 20 s for 6 megapixels on one thread,
        // a window wide enough for a test process that a loaded machine starves.
        await WaitUntilAsync(() => child.HasExited || NicChildProcess.HasOpen(child, nic));
        await Task.Delay(300);
        await InterruptAndCheckAsync(child, error, output, png, previous);
    }

    [LinuxFact]
    public async Task CtrlCDuringAnEncodeLeavesThePreviousFileAndNoTemporaryFile()
    {
        string input = Path.Combine(_directory, "photo.png");
        ImageFiles.WritePng(input, TestImageFiles.Pattern(4000, 3000));
        string nic = Path.Combine(_directory, "photo.nic");
        byte[] previous = ZeroSymbolFile(64, 64);
        await File.WriteAllBytesAsync(nic, previous);

        using Process child = NicChildProcess.Start("encode", input, "-o", nic, "--threads", "1", "--arithmetic", "reference");
        Task<string> error = child.StandardError.ReadToEndAsync();
        Task<string> output = child.StandardOutput.ReadToEndAsync();

        // Starting up and reading the PNG take two to three seconds of CPU. Encoding 6 megapixels on one thread took some 3
        // more in the default (Winograd) arithmetic, too short a window (a CI rehearsal's encode ended first); 12
        // megapixels in the reference arithmetic, about twice as slow, take some 12: a window the interrupt cannot miss.
        await WaitUntilAsync(() => child.HasExited || NicChildProcess.CpuTime(child) > TimeSpan.FromSeconds(3));
        await InterruptAndCheckAsync(child, error, output, nic, previous);
    }

    [Fact]
    public void ADecodeThatFailsHalfWayLeavesThePreviousFileAndNoTemporaryFile()
    {
        string nic = Path.Combine(_directory, "cut.nic");
        byte[] file = ZeroSymbolFile(256, 640);
        File.WriteAllBytes(nic, file[..^40]);
        string png = Path.Combine(_directory, "photo.png");
        byte[] previous = ImageFiles.EncodePng(TestImageFiles.Pattern(30, 20));
        File.WriteAllBytes(png, previous);

        var run = CliRunner.Run("decode", nic, "-o", png);

        Assert.Equal(ExitCodes.InvalidData, run.ExitCode);
        Assert.Contains("Truncated", run.Error);
        Assert.Equal(previous, File.ReadAllBytes(png));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    private async Task InterruptAndCheckAsync(Process child, Task<string> error, Task<string> output, string target, byte[] previous)
    {
        if (child.HasExited || !NicChildProcess.Interrupt(child))
        {
            await child.WaitForExitAsync();
            Assert.Fail($"the command ended (exit {child.ExitCode}) before it could be interrupted: {await error} {await output}");
        }

        using var timeout = new CancellationTokenSource(Patience);
        await child.WaitForExitAsync(timeout.Token);

        string message = await error;
        Assert.True(child.ExitCode == ExitCodes.Cancelled, $"exit {child.ExitCode}; standard error: {message}; standard output: {await output}");
        Assert.Contains("interrupted; no output was written", message);
        Assert.Equal(previous, await File.ReadAllBytesAsync(target));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        Assert.Equal(2, Directory.GetFiles(_directory).Length);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Patience, "the child process never reached the point to interrupt");
            await Task.Delay(20);
        }
    }

    /// <summary>A valid file for the shipped mean-scale model whose every symbol is 0: cheap to make at any size, and as slow to decode as any.</summary>
    private static byte[] ZeroSymbolFile(int width, int height)
    {
        NicModelFile model = new NicModelCatalog().Find("nic-mbt2018-mean-q4").File;
        (int n, int m) = (model.HyperParameters.N, model.HyperParameters.M);
        int paddedWidth = (width + 63) / 64 * 64, paddedHeight = (height + 63) / 64 * 64;
        var header = new NicHeader
        {
            Width = width,
            Height = height,
            Alignment = 64,
            RatePoint = model.RatePoint,
            RateParameter = (float)model.Lambda,
            Model = model.Id,
            ZShape = new NicLatentShape(n, paddedHeight / 64, paddedWidth / 64),
            YShape = new NicLatentShape(m, paddedHeight / 16, paddedWidth / 16),
            BandRows = Math.Min(8, paddedHeight / 16),
        };
        var bottleneck = EntropyBottleneckCoder.FromModel(model);
        var gaussian = GaussianConditionalCoder.FromModel(model);
        NicLatentShape z = header.ZShape, y = header.YShape;
        var zSymbols = new int[z.Channels * z.Height * z.Width];
        EntropyParameters parameters = ManagedModel.Create(model).HyperSynthesize(bottleneck.Dequantize(zSymbols, z.Height, z.Width));
        byte[][] bands = [.. Enumerable.Range(0, header.BandCount).Select(band =>
            gaussian.EncodeSymbols(new int[y.Channels * header.GetBandRowCount(band) * y.Width], parameters, header.GetBandFirstRow(band), header.GetBandRowCount(band)))];
        return new NicFile { Header = header, ZSubstream = bottleneck.EncodeSymbols(zSymbols, z.Height, z.Width), Bands = bands }.ToArray();
    }
}
