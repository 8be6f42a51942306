using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec;
using Nic.Format;

namespace Nic.Codec.Tests.Pipeline;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task ARealServiceProviderRoundTripsAnImageWithAModelFromAConfiguredDirectory()
    {
        string directory = Directory.CreateTempSubdirectory("nic-di-").FullName;
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, "model.nicm"), PipelineFixtures.ModelBytes(ModelArchitectureKind.Mbt2018Mean, "test-mean-q2", 2, "test-mean", seed: 21));
            var logs = new List<string>();
            var services = new ServiceCollection();
            services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new ListLoggerProvider(logs)));
            services.AddNeuralImageCodec(options =>
            {
                options.IncludeShippedModels = false;
                options.ModelDirectories.Add(directory);
                options.DefaultModel = "test-mean";
                options.Parallelism = 2;
            });
            await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
            provider.GetRequiredService<IStartupValidator>().Validate();

            NicCodec codec = provider.GetRequiredService<NicCodec>();
            Assert.Same(codec, provider.GetRequiredService<NicCodec>());
            Assert.Same(provider.GetRequiredService<NicModelCatalog>(), codec.Catalog);
            Assert.Equal("managed-winograd", codec.Backend); // the managed engine in its default arithmetic
            RgbImage image = PipelineFixtures.Photo(50, 40);
            using var stream = new MemoryStream();
            await codec.EncodeAsync(image, stream);
            stream.Position = 0;
            RgbImage decoded = await codec.DecodeAsync(stream);

            RgbImage direct = await PipelineFixtures.Codec().DecodeAsync(stream.ToArray());
            Assert.True(direct.PixelsEqual(decoded));
            Assert.Contains(logs, line => line.Contains("Encoded a 50×40 image with test-mean-q2", StringComparison.Ordinal));
            Assert.Contains(logs, line => line.Contains("Decoded a 50×40 image", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TheRegisteredCodecGivesThirtyTwoConcurrentTasksTheSequentialResults()
    {
        string directory = Directory.CreateTempSubdirectory("nic-di-").FullName;
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, "mean.nicm"), PipelineFixtures.ModelBytes(ModelArchitectureKind.Mbt2018Mean, "test-mean-q2", 2, "test-mean", seed: 21));
            await File.WriteAllBytesAsync(Path.Combine(directory, "hyperprior.nicm"), PipelineFixtures.ModelBytes(ModelArchitectureKind.Bmshj2018Hyperprior, "test-hyperprior", 3, null, seed: 24));
            var services = new ServiceCollection();
            services.AddNeuralImageCodec(options =>
            {
                options.IncludeShippedModels = false;
                options.ModelDirectories.Add(directory);
                options.DefaultModel = "test-mean";
                options.BandRows = 2;
            });
            await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            NicCodec codec = provider.GetRequiredService<NicCodec>();

            // Eight jobs of different sizes, models and metadata, run one after another first.
            var jobs = Enumerable.Range(0, 8).Select(i =>
            {
                RgbImage image = PipelineFixtures.Photo(40 + (13 * i), 30 + (7 * i), seed: 100 + i);
                image.Metadata = new NicMetadata { Xmp = [.. "<x n='"u8, (byte)('0' + i), .. "'/>"u8] };
                return (Image: image, Options: new NicEncodeOptions { Model = i % 2 == 0 ? "test-mean" : "test-hyperprior" });
            }).ToArray();
            byte[][] files = [.. jobs.Select(job => codec.Encode(job.Image, job.Options))];
            RgbImage[] decoded = new RgbImage[jobs.Length];
            for (int i = 0; i < jobs.Length; i++)
            {
                decoded[i] = await codec.DecodeAsync(files[i]);
            }

            // Then 32 tasks at once through every entry point: encodes to bytes and to streams, whole and streaming decodes.
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<string?>[] tasks = [.. Enumerable.Range(0, 32).Select(k => Task.Run(async () =>
            {
                await start.Task;
                int i = k % jobs.Length;
                switch (k / jobs.Length)
                {
                    case 0:
                        return codec.Encode(jobs[i].Image, jobs[i].Options).AsSpan().SequenceEqual(files[i]) ? null : $"task {k}: Encode differs";
                    case 1:
                        using (var stream = new MemoryStream())
                        {
                            await codec.EncodeAsync(jobs[i].Image, stream, jobs[i].Options);
                            return stream.ToArray().AsSpan().SequenceEqual(files[i]) ? null : $"task {k}: EncodeAsync differs";
                        }

                    case 2:
                        RgbImage whole = await codec.DecodeAsync(files[i]);
                        return whole.PixelsEqual(decoded[i]) && whole.Metadata.Xmp!.AsSpan().SequenceEqual(jobs[i].Image.Metadata.Xmp) ? null : $"task {k}: DecodeAsync differs";
                    default:
                        await using (NicRowDecoder rows = await codec.OpenAsync(new MemoryStream(files[i], writable: false)))
                        {
                            RgbImage streamed = await rows.ReadImageAsync();
                            return streamed.PixelsEqual(decoded[i]) ? null : $"task {k}: the streaming decode differs";
                        }
                }
            }))];
            start.SetResult();

            string?[] failures = await Task.WhenAll(tasks);
            Assert.All(failures, Assert.Null);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void InvalidOptionsFailAtStartUp()
    {
        var services = new ServiceCollection();
        services.AddNeuralImageCodec(options => options.BandRows = 0);
        using ServiceProvider provider = services.BuildServiceProvider();

        OptionsValidationException e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("BandRows", e.Message);
    }

    [Fact]
    public void AnotherBackendFactoryReplacesTheManagedOne()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IInferenceBackendFactory>(new ManagedBackendFactory(1));
        services.AddNeuralImageCodec(options => options.IncludeShippedModels = false);
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Equal(1, ((ManagedBackendFactory)provider.GetRequiredService<IInferenceBackendFactory>()).Parallelism);
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add(formatter(state, exception));
                }
            }
        }
    }
}
