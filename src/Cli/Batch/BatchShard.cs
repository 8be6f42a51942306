using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nic.Cli.Batch;

/// <summary>
/// Which part of a batch one process does: shard <see cref="Index"/> of <see cref="Count"/> (0-based). An item belongs
/// to the shard <see cref="Of"/> gives it, a stable hash of its relative path, so that every process of a job agrees on
/// the split whatever order it lists the items in, and every item is done by exactly one shard.
/// </summary>
internal sealed record BatchShard(int Index, int Count, string Source)
{
    /// <summary>The environment variable that gives the shard count to a Kubernetes Indexed Job (its <c>completions</c>).</summary>
    public const string ShardsVariable = "NIC_BATCH_SHARDS";

    /// <summary>The whole batch in one process.</summary>
    public static BatchShard All { get; } = new(0, 1, "no sharding");

    /// <summary>
    /// The shard of <paramref name="relativePath"/> among <paramref name="count"/>: the first 8 bytes of the SHA-256 of its
    /// UTF-8 bytes ('/' separators, no leading "./"), read as a big-endian unsigned integer, modulo the count.
    /// </summary>
    public static int Of(string relativePath, int count)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(relativePath), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)count);
    }

    /// <summary>Whether <paramref name="relativePath"/> is this shard's.</summary>
    public bool Owns(string relativePath) => Count == 1 || Of(relativePath, Count) == Index;

    /// <summary>
    /// The shard from the command line or, without <c>--shard</c>, from the scheduler's environment: a Kubernetes Indexed
    /// Job's <c>JOB_COMPLETION_INDEX</c> (the count from <c>--shards</c> or <see cref="ShardsVariable"/>), else a Slurm
    /// array's <c>SLURM_ARRAY_TASK_ID</c> (index (ID − MIN) / STEP, count <c>SLURM_ARRAY_TASK_COUNT</c> or
    /// <c>--shards</c>), else the whole batch.
    /// </summary>
    /// <exception cref="ArgumentException">The options or the environment do not describe a shard.</exception>
    public static BatchShard Resolve(string? shard, int? shards, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (shards is < 1)
        {
            throw new ArgumentException($"--shards must be at least 1, not {shards}");
        }

        if (shard is not null)
        {
            BatchShard parsed = Parse(shard);
            if (shards is int n && n != parsed.Count)
            {
                throw new ArgumentException($"--shard {shard} and --shards {n} disagree on the number of shards");
            }

            return parsed;
        }

        if (Variable(environment, "JOB_COMPLETION_INDEX") is string completion)
        {
            int index = Integer(completion, "JOB_COMPLETION_INDEX");
            int count = shards ?? (Variable(environment, ShardsVariable) is string value
                ? Integer(value, ShardsVariable)
                : throw new ArgumentException(
                    $"JOB_COMPLETION_INDEX is {index} but the number of shards is unknown: pass --shards N or set {ShardsVariable} to the Job's completions"));
            return Checked(index, count, $"JOB_COMPLETION_INDEX={completion}");
        }

        if (Variable(environment, "SLURM_ARRAY_TASK_ID") is string task)
        {
            int id = Integer(task, "SLURM_ARRAY_TASK_ID");
            int min = Variable(environment, "SLURM_ARRAY_TASK_MIN") is string m ? Integer(m, "SLURM_ARRAY_TASK_MIN") : 0;
            int step = Variable(environment, "SLURM_ARRAY_TASK_STEP") is string s ? Integer(s, "SLURM_ARRAY_TASK_STEP") : 1;
            int? taskCount = Variable(environment, "SLURM_ARRAY_TASK_COUNT") is string c ? Integer(c, "SLURM_ARRAY_TASK_COUNT") : null;
            int count = shards ?? taskCount ?? throw new ArgumentException(
                "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: pass --shards N or --shard K/N");
            if (step < 1 || (id - min) % step != 0)
            {
                throw new ArgumentException(
                    $"the Slurm array is not an evenly spaced range (SLURM_ARRAY_TASK_ID={id}, MIN={min}, STEP={step}): pass --shard K/N");
            }

            if (shards is null && Variable(environment, "SLURM_ARRAY_TASK_MAX") is string maxText
                && Integer(maxText, "SLURM_ARRAY_TASK_MAX") is int max && max != min + ((count - 1) * step))
            {
                throw new ArgumentException(
                    $"the Slurm array is not an evenly spaced range (MIN={min}, MAX={max}, STEP={step}, COUNT={count}): pass --shard K/N");
            }

            return Checked((id - min) / step, count, $"SLURM_ARRAY_TASK_ID={id}");
        }

        if (shards is int alone && alone != 1)
        {
            throw new ArgumentException(
                $"--shards {alone} needs a shard index: pass --shard K/{alone}, or run under a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or a Slurm array (SLURM_ARRAY_TASK_ID)");
        }

        return All;
    }

    /// <summary>"K/N" with 0 ≤ K &lt; N.</summary>
    public static BatchShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            throw new ArgumentException($"--shard must be K/N (0-based K, for example 0/4), not '{text}'");
        }

        return Checked(index, count, "--shard");
    }

    /// <summary>"2/4".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    private static BatchShard Checked(int index, int count, string source)
    {
        if (count < 1 || index < 0 || index >= count)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture, $"shard {index} of {count} (from {source}) is not 0 … {Math.Max(count - 1, 0)} of at least one shard"));
        }

        return new BatchShard(index, count, source);
    }

    private static string? Variable(Func<string, string?> environment, string name) =>
        environment(name) is { Length: > 0 } value ? value.Trim() : null;

    private static int Integer(string text, string name) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"{name} must be an integer, not '{text}'");
}
