using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec.Pipeline;

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
            Assert.Equal("managed", codec.Backend);
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
