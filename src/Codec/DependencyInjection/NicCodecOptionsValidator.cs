using Microsoft.Extensions.Options;
using Nic.Codec;

namespace Nic.Codec.DependencyInjection;

/// <summary>Validates <see cref="NicCodecOptions"/> when the host starts (or when the options are first read).</summary>
internal sealed class NicCodecOptionsValidator : IValidateOptions<NicCodecOptions>
{
    public ValidateOptionsResult Validate(string? name, NicCodecOptions options)
    {
        IReadOnlyList<string> problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
