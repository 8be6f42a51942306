using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nic.Codec.Catalog;
using Nic.Codec.DependencyInjection;
using Nic.Codec.Inference;
using Nic.Codec;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Nic codec in a service collection.</summary>
public static class NicCodecServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="NicCodec"/> (singleton, thread-safe), its <see cref="NicModelCatalog"/> (the shipped models
    /// plus <see cref="NicCodecOptions.ModelDirectories"/>), the options (validated when the host starts), logging
    /// through the container's <c>ILoggerFactory</c> when there is one, and the managed inference backend unless
    /// another <see cref="IInferenceBackendFactory"/> is registered.
    /// </summary>
    /// <example><code>services.AddNeuralImageCodec(o => o.ModelDirectories.Add("/srv/models"));</code></example>
    public static NicCodecBuilder AddNeuralImageCodec(this IServiceCollection services, Action<NicCodecOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<NicCodecOptions> options = services.AddOptions<NicCodecOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NicCodecOptions>, NicCodecOptionsValidator>());
        services.TryAddSingleton<NicModelCatalog>(provider =>
        {
            NicCodecOptions settings = provider.GetRequiredService<IOptions<NicCodecOptions>>().Value;
            ILogger<NicModelCatalog>? logger = provider.GetService<ILoggerFactory>()?.CreateLogger<NicModelCatalog>();
            return new NicModelCatalog(settings.ModelDirectories, settings.IncludeShippedModels, logger);
        });
        services.TryAddSingleton<IInferenceBackendFactory>(provider =>
            new ManagedBackendFactory(provider.GetRequiredService<IOptions<NicCodecOptions>>().Value.Parallelism));
        services.TryAddSingleton<NicCodec>(provider => new NicCodec(
            provider.GetRequiredService<NicModelCatalog>(),
            provider.GetRequiredService<IOptions<NicCodecOptions>>().Value,
            provider.GetRequiredService<IInferenceBackendFactory>(),
            provider.GetService<ILoggerFactory>()?.CreateLogger<NicCodec>()));
        return new NicCodecBuilder(services);
    }

    /// <summary>
    /// Registers the codec as <see cref="AddNeuralImageCodec(IServiceCollection, Action{NicCodecOptions}?)"/> does, with
    /// <see cref="NicCodecOptions"/> bound from <paramref name="configuration"/> (for example the section <c>"Nic"</c>:
    /// <c>DefaultModel</c>, <c>DefaultQuality</c>, <c>BandRows</c>, <c>ModelDirectories</c>, <c>IncludeShippedModels</c>,
    /// <c>Parallelism</c>, <c>MaxDecodePixels</c>, <c>MaxDecodeMemoryBytes</c>) and validated when the host starts. A key
    /// that names no option is an error at start too, so that a misspelt setting does not pass silently.
    /// <paramref name="configure"/>, when given, runs after the binding.
    /// </summary>
    /// <example><code>builder.Services.AddNeuralImageCodec(builder.Configuration.GetSection("Nic"));</code></example>
    public static NicCodecBuilder AddNeuralImageCodec(this IServiceCollection services, IConfiguration configuration, Action<NicCodecOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<NicCodecOptions>().Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
        return services.AddNeuralImageCodec(configure);
    }
}
