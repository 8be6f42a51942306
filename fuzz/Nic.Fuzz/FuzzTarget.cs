namespace Nic.Fuzz;

/// <summary>
/// One fuzz target: runs an input through a part of the SDK and checks what happens. An input passes when it ends
/// in a valid result or in a documented Nic error (see <see cref="Outcomes"/>); the target then returns a short
/// description of the outcome. A broken check throws <see cref="FuzzFindingException"/>, and any other exception that
/// escapes <see cref="Execute"/> is a finding as well.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>The target's name on the command line and the name of its corpus folder.</summary>
    public abstract string Name { get; }

    /// <summary>What the target exercises, in one line.</summary>
    public abstract string Description { get; }

    /// <summary>Builds whatever the target shares between executions (models, tables), so that the first execution is not slower than the rest.</summary>
    public virtual void Prepare()
    {
    }

    /// <summary>Runs one input.</summary>
    /// <param name="input">The input bytes; not modified.</param>
    /// <returns>A short description of the outcome, for example <c>image 2×3</c> or <c>Truncated@0</c>.</returns>
    /// <exception cref="FuzzFindingException">A check failed.</exception>
    public abstract string Execute(byte[] input);
}
