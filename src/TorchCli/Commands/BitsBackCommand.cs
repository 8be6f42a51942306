using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Nic.Cli;
using Nic.Codec;
using Nic.Codec.BitsBack;
using Nic.Format;
using Nic.Torch.Training;

namespace Nic.Torch.Cli.Commands;

/// <summary>
/// <c>nic-torch bitsback train|compress|decompress</c>: bits-back coding with ANS (spec/nic-coding.md §12–13, docs/bits-back.md):
/// train the VAE on binarized MNIST with TorchSharp, compress the binarized test digits into one message, decompress
/// it and check every digit. Compression and decompression run in managed code only.
/// </summary>
internal static class BitsBackCommand
{
    public static Command Create()
    {
        var command = new Command("bitsback", "Bits-back coding (BB-ANS) of binarized MNIST with a small VAE: train, compress the test set into one message, decompress and check it.");
        command.Subcommands.Add(CreateTrain());
        command.Subcommands.Add(CreateCompress());
        command.Subcommands.Add(CreateDecompress());
        return command;
    }

    /// <summary>The digits coded: the MNIST test digits (or a 784-byte-per-digit file), the first <paramref name="count"/>, binarized with <paramref name="seed"/> (spec/nic-coding.md §13.2).</summary>
    private static byte[] LoadDigits(DirectoryInfo data, FileInfo? digitsFile, int count, ulong seed)
    {
        byte[] grey = digitsFile is not null
            ? File.ReadAllBytes(digitsFile.FullName)
            : BinarizedDigits.ReadIdxImages(Path.Combine(data.FullName, DigitData.MnistDirectory, DigitData.TestImagesFile));
        if (grey.Length == 0 || grey.Length % BinarizedDigits.Pixels != 0)
        {
            throw new InvalidDataException($"{digitsFile?.FullName} has {grey.Length} bytes, not a whole number of 784-byte digits");
        }

        int available = grey.Length / BinarizedDigits.Pixels;
        if (count < 0 || count > available)
        {
            throw new ArgumentException($"--count {count}: the source holds {available} digits");
        }

        return BinarizedDigits.Binarize(grey.AsSpan(0, (count == 0 ? available : count) * BinarizedDigits.Pixels), seed);
    }

    private static Command CreateCompress()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "The VAE file (nic-torch bitsback train).", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The bits-back file to write (atomically).", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder with mnist/t10k-images-idx3-ubyte.", DefaultValueFactory = _ => new DirectoryInfo("data") };
        var digits = new Option<FileInfo?>("--digits") { Description = "Code these 784-byte grey digits instead of the MNIST test set (e.g. tests/data/digits/mnist-300.u8)." };
        var count = new Option<int>("--count") { Description = "Code only the first COUNT digits (0: all).", DefaultValueFactory = _ => 0 };
        var binarizeSeed = new Option<ulong>("--binarize-seed") { Description = "Seed of the stochastic binarization (§13.2).", DefaultValueFactory = _ => BinarizedDigits.DefaultSeed };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the stack's initial bits (§12.2).", DefaultValueFactory = _ => 0 };
        var repeat = new Option<int>("--repeat") { Description = "Compress this many times and report the median time.", DefaultValueFactory = _ => 1 };
        var elboSamples = new Option<int>("--elbo-samples") { Description = "Draws per digit for the negative-ELBO estimate printed beside the rate (0: skip).", DefaultValueFactory = _ => 10 };
        var writeDigits = new Option<FileInfo?>("--write-digits") { Description = "Also write the binarized digits coded, one byte (0 or 1) per pixel, for the baselines (scripts/bitsback-baselines.py)." };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command("compress", "Compress binarized digits (by default the 10,000 MNIST test digits) into one bits-back message; managed code only.")
        {
            model, output, data, digits, count, binarizeSeed, seed, repeat, elboSamples, writeDigits, json,
        };
        command.SetAction((result, cancellationToken) => Guarded(result, () =>
        {
            BitsBackVae vae = BitsBackVae.LoadFile(result.GetValue(model)!.FullName);
            byte[] bits = LoadDigits(result.GetValue(data)!, result.GetValue(digits), result.GetValue(count), result.GetValue(binarizeSeed));
            var times = new List<double>();
            BitsBackCompression? compressed = null;
            for (int r = 0; r < Math.Max(1, result.GetValue(repeat)); r++)
            {
                var clock = Stopwatch.StartNew();
                compressed = BitsBackCodec.Compress(vae, bits, result.GetValue(seed));
                times.Add(clock.Elapsed.TotalSeconds);
            }

            FileInfo target = result.GetValue(output)!;
            AtomicFile.WriteAllBytes(target.FullName, compressed!.File);
            if (result.GetValue(writeDigits) is { } digitsOut)
            {
                AtomicFile.WriteAllBytes(digitsOut.FullName, bits);
            }

            int samples = result.GetValue(elboSamples);
            double elbo = samples > 0 ? BitsBackCodec.NegativeElbo(vae, bits, samples, 1) : double.NaN;
            var figures = new Dictionary<string, object?>
            {
                ["output"] = target.FullName,
                ["digits"] = compressed.Digits,
                ["dimensions"] = compressed.Digits * 784L,
                ["file_bytes"] = compressed.File.Length,
                ["header_bits"] = compressed.HeaderBits,
                ["message_bits"] = compressed.MessageBits,
                ["initial_bits"] = compressed.InitialBits,
                ["net_bits_per_dim"] = compressed.NetBitsPerDimension,
                ["initial_bits_per_dim"] = compressed.InitialBits / (784.0 * compressed.Digits),
                ["message_bits_per_dim"] = compressed.MessageBitsPerDimension,
                ["file_bits_per_dim"] = compressed.FileBitsPerDimension,
                ["ideal_bits_per_dim"] = compressed.IdealBits / (784.0 * compressed.Digits),
                ["negative_elbo_bits_per_dim"] = double.IsNaN(elbo) ? null : elbo,
                ["net_over_elbo"] = double.IsNaN(elbo) ? null : compressed.NetBitsPerDimension / elbo,
                ["elbo_samples_per_digit"] = samples,
                ["compress_seconds_median"] = Median(times),
                ["runs"] = times.Count,
                ["threads"] = Environment.ProcessorCount,
            };
            return WriteFigures(result, figures, string.Create(CultureInfo.InvariantCulture, $"{compressed.Digits} digits → {compressed.File.Length} bytes: {compressed.NetBitsPerDimension:F4} bits/dim net of {compressed.InitialBits} initial bits ({compressed.FileBitsPerDimension:F4} with them and the header){(double.IsNaN(elbo) ? string.Empty : $", negative ELBO {elbo:F4}")}; {Median(times):F2} s"));
        }));
        return command;
    }

    private static Command CreateDecompress()
    {
        var input = new Argument<FileInfo>("file") { Description = "A bits-back file (nic-torch bitsback compress)." };
        var model = new Option<FileInfo>("--model", "-m") { Description = "The VAE file the message was made with.", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder with mnist/t10k-images-idx3-ubyte, to check the digits against.", DefaultValueFactory = _ => new DirectoryInfo("data") };
        var digits = new Option<FileInfo?>("--digits") { Description = "Check against these 784-byte grey digits instead of the MNIST test set." };
        var binarizeSeed = new Option<ulong>("--binarize-seed") { Description = "Seed of the stochastic binarization (§13.2).", DefaultValueFactory = _ => BinarizedDigits.DefaultSeed };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the decoded digits, one byte (0 or 1) per pixel." };
        var noCheck = new Option<bool>("--no-check") { Description = "Only decode; do not compare with the source digits." };
        var repeat = new Option<int>("--repeat") { Description = "Decompress this many times and report the median time.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command("decompress", "Decompress a bits-back file and check every digit bit for bit against the binarized source; managed code only.")
        {
            input, model, data, digits, binarizeSeed, output, noCheck, repeat, json,
        };
        command.SetAction((result, cancellationToken) => Guarded(result, () =>
        {
            BitsBackVae vae = BitsBackVae.LoadFile(result.GetValue(model)!.FullName);
            byte[] file = File.ReadAllBytes(result.GetValue(input)!.FullName);
            var times = new List<double>();
            byte[] decoded = [];
            for (int r = 0; r < Math.Max(1, result.GetValue(repeat)); r++)
            {
                var clock = Stopwatch.StartNew();
                decoded = BitsBackCodec.Decompress(vae, file);
                times.Add(clock.Elapsed.TotalSeconds);
            }

            if (result.GetValue(output) is { } target)
            {
                AtomicFile.WriteAllBytes(target.FullName, decoded);
            }

            int count = decoded.Length / BinarizedDigits.Pixels;
            int? wrong = null;
            if (!result.GetValue(noCheck))
            {
                byte[] expected = LoadDigits(result.GetValue(data)!, result.GetValue(digits), count, result.GetValue(binarizeSeed));
                wrong = Enumerable.Range(0, count).Count(n => !decoded.AsSpan(n * 784, 784).SequenceEqual(expected.AsSpan(n * 784, 784)));
            }

            var figures = new Dictionary<string, object?>
            {
                ["digits"] = count,
                ["checked"] = wrong is not null,
                ["digits_differing"] = wrong,
                ["decompress_seconds_median"] = Median(times),
                ["runs"] = times.Count,
                ["threads"] = Environment.ProcessorCount,
            };
            string text = wrong is null
                ? string.Create(CultureInfo.InvariantCulture, $"{count} digits decoded in {Median(times):F2} s (not checked)")
                : string.Create(CultureInfo.InvariantCulture, $"{count} digits decoded in {Median(times):F2} s; {wrong} differ from the source");
            int code = WriteFigures(result, figures, text);
            return wrong is > 0 ? ExitCodes.InvalidData : code;
        }));
        return command;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
    }

    private static int WriteFigures(ParseResult result, Dictionary<string, object?> figures, string text)
    {
        bool asJson = result.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--json") is Option<bool> option && result.GetValue(option);
        result.InvocationConfiguration.Output.WriteLine(asJson ? JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true }) : text);
        return ExitCodes.Success;
    }

    private static Task<int> Guarded(ParseResult result, Func<int> run)
    {
        TextWriter error = result.InvocationConfiguration.Error;
        try
        {
            return Task.FromResult(run());
        }
        catch (NicCodecException e) when (e.Error is NicCodecError.ModelNotFound or NicCodecError.ModelHashMismatch)
        {
            error.WriteLine($"error: {e.Message}");
            return Task.FromResult(ExitCodes.ModelUnavailable);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or NicCodecException)
        {
            error.WriteLine($"error: {e.Message}");
            return Task.FromResult(e is NicCodecException ? ExitCodes.InvalidData : ExitCodes.UsageOrFile);
        }
    }

    private static Command CreateTrain()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder scripts/fetch-data.sh filled (with mnist/).", DefaultValueFactory = _ => new DirectoryInfo("data") };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The VAE file to write (atomically).", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the 60,000 training digits.", DefaultValueFactory = _ => 100 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units of the encoder and decoder.", DefaultValueFactory = _ => 100 };
        var latent = new Option<int>("--latent") { Description = "Latent dimensions.", DefaultValueFactory = _ => 40 };
        var batch = new Option<int>("--batch") { Description = "Digits per batch.", DefaultValueFactory = _ => 100 };
        var learningRate = new Option<double>("--lr") { Description = "Adam's learning rate in the first epoch.", DefaultValueFactory = _ => 1e-3 };
        var decay = new Option<double>("--lr-decay") { Description = "Factor applied to the learning rate after every epoch.", DefaultValueFactory = _ => 0.97 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, batches, binarization and noise.", DefaultValueFactory = _ => 1 };
        var testEvery = new Option<int>("--test-every") { Description = "Epochs between measurements of the test set's negative ELBO.", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: every processor).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var initial = new Option<FileInfo?>("--init") { Description = "Continue from this VAE file (same --hidden and --latent) instead of fresh weights." };
        var json = new Option<bool>("--json") { Description = "Print the per-epoch log and the figures as JSON." };
        var command = new Command("train", "Train the bits-back VAE (784 → hidden → latent Gaussian, Bernoulli decoder) on the 60,000 MNIST training digits, dynamically binarized; a snapshot is written at every test measurement.")
        {
            data, output, epochs, hidden, latent, batch, learningRate, decay, seed, testEvery, threads, initial, json,
        };
        command.SetAction((result, cancellationToken) =>
        {
            TextWriter error = result.InvocationConfiguration.Error;
            TextWriter stdout = result.InvocationConfiguration.Output;
            try
            {
                TorchRuntime.EnsureLoaded();
                TorchSharp.torch.set_num_threads(Math.Max(1, result.GetValue(threads)));
                string mnist = Path.Combine(result.GetValue(data)!.FullName, DigitData.MnistDirectory);
                byte[] training = BinarizedDigits.ReadIdxImages(Path.Combine(mnist, DigitData.TrainingImagesFile));
                byte[] test = BinarizedDigits.Binarize(BinarizedDigits.ReadIdxImages(Path.Combine(mnist, DigitData.TestImagesFile)));
                var options = new BitsBackTrainingOptions
                {
                    Epochs = result.GetValue(epochs),
                    Hidden = result.GetValue(hidden),
                    Latent = result.GetValue(latent),
                    BatchSize = result.GetValue(batch),
                    LearningRate = result.GetValue(learningRate),
                    LearningRateDecay = result.GetValue(decay),
                    Seed = result.GetValue(seed),
                    TestEvery = result.GetValue(testEvery),
                    Initial = result.GetValue(initial) is { } init ? BitsBackVae.LoadFile(init.FullName) : null,
                };
                bool asJson = result.GetValue(json);
                var log = new List<BitsBackEpoch>();
                var progress = new SynchronousProgress<BitsBackEpoch>(e =>
                {
                    log.Add(e);
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch,4}: train {e.TrainingNats:F2} nats/digit{(double.IsNaN(e.TestBitsPerDimension) ? string.Empty : $", test {e.TestBitsPerDimension:F4} bits/dim")}  ({e.Elapsed.TotalSeconds:F0} s)"));
                });
                FileInfo target = result.GetValue(output)!;

                // Each test measurement leaves a snapshot at the output path, so that a long run can be stopped and used.
                BitsBackVae vae = BitsBackVaeTraining.Train(training, test, options, progress, snapshot => AtomicFile.WriteAllBytes(target.FullName, snapshot.ToFile()), cancellationToken);
                AtomicFile.WriteAllBytes(target.FullName, vae.ToFile());
                var clock = Stopwatch.StartNew();
                double elbo = BitsBackCodec.NegativeElbo(vae, test, samples: 10, seed: 1);
                var figures = new Dictionary<string, object>
                {
                    ["model"] = target.FullName,
                    ["model_bytes"] = vae.ToFile().Length,
                    ["sha256"] = Convert.ToHexStringLower(vae.Sha256.Span),
                    ["test_digits"] = test.Length / BinarizedDigits.Pixels,
                    ["test_negative_elbo_bits_per_dim"] = elbo,
                    ["epochs"] = log.Select(e => new Dictionary<string, object?>
                    {
                        ["epoch"] = e.Epoch,
                        ["training_nats_per_digit"] = e.TrainingNats,
                        ["test_bits_per_dim"] = double.IsNaN(e.TestBitsPerDimension) ? null : e.TestBitsPerDimension,
                        ["seconds"] = Math.Round(e.Elapsed.TotalSeconds, 1),
                    }).ToArray(),
                };
                stdout.WriteLine(asJson
                    ? JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true })
                    : string.Create(CultureInfo.InvariantCulture, $"wrote {target.FullName}: test negative ELBO {elbo:F4} bits/dim (managed, 10 samples per digit)"));
                return Task.FromResult(ExitCodes.Success);
            }
            catch (OperationCanceledException)
            {
                return Task.FromResult(ExitCodes.Cancelled);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or NicCodecException)
            {
                error.WriteLine($"error: {e.Message}");
                return Task.FromResult(ExitCodes.InvalidData);
            }
        });
        return command;
    }

    /// <summary>An IProgress that reports on the caller's thread, in order.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
