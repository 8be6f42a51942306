using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Nic.Codec.Tests.Pipeline;

public sealed class ConfigurationBindingTests
{
    [Fact]
    public async Task TheOptionsAreBoundFromAConfigurationSection()
    {
        string directory = Directory.CreateTempSubdirectory("nic-config-").FullName;
        try
        {
            IConfiguration configuration = Configure(new()
            {
                ["Nic:DefaultModel"] = "nic-mbt2018-mean",
                ["Nic:DefaultRatePoint"] = "3",
                ["Nic:BandRows"] = "4",
                ["Nic:Parallelism"] = "2",
                ["Nic:MaxDecodePixels"] = "1000000",
                ["Nic:MaxDecodeMemoryBytes"] = "123456789",
                ["Nic:ModelDirectories:0"] = directory,
            });
            var services = new ServiceCollection();
            services.AddNeuralImageCodec(configuration.GetSection("Nic"), options => options.BandRows *= 2);
            await using ServiceProvider provider = services.BuildServiceProvider();
            provider.GetRequiredService<IStartupValidator>().Validate();

            NicCodec codec = provider.GetRequiredService<NicCodec>();
            Assert.Equal("nic-mbt2018-mean", codec.Options.DefaultModel);
            Assert.Equal(3, codec.Options.DefaultRatePoint);
            Assert.Equal(8, codec.Options.BandRows);
            Assert.Equal(2, codec.Options.Parallelism);
            Assert.Equal(1000000, codec.Options.MaxDecodePixels);
            Assert.Equal(123456789, codec.Options.MaxDecodeMemoryBytes);
            Assert.Equal([directory], codec.Options.ModelDirectories);
            Assert.Equal(3, codec.ResolveModel().RatePoint);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task InvalidBoundOptionsFailWhenTheHostStartsWithTheOptionsOwnProblems()
    {
        IConfiguration configuration = Configure(new() { ["Nic:BandRows"] = "0", ["Nic:ModelDirectories:0"] = "/no/such/nic/models" });
        var services = new ServiceCollection();
        services.AddNeuralImageCodec(configuration.GetSection("Nic"));
        await using ServiceProvider provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(failure.Failures, f => f.Contains("BandRows must be 1", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.Contains("/no/such/nic/models", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMisspeltKeyIsAnErrorAtStart()
    {
        IConfiguration configuration = Configure(new() { ["Nic:DefautModel"] = "nic-mbt2018-mean" });
        var services = new ServiceCollection();
        services.AddNeuralImageCodec(configuration.GetSection("Nic"));
        await using ServiceProvider provider = services.BuildServiceProvider();

        var failure = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("DefautModel", failure.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configure(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
