using Nic.Cli.Batch;

namespace Nic.Cli.Tests.Batch;

/// <summary>The split of a batch into shards: a stable hash of the relative path, and the index from the scheduler's environment.</summary>
public sealed class BatchShardTests
{
    [Theory]
    [InlineData("a/b.png", 4, 3)]
    [InlineData("a/b.png", 7, 1)]
    [InlineData("a/b.png", 1000, 515)]
    [InlineData("photos/2024/IMG_0001.jpg", 4, 3)]
    [InlineData("photos/2024/IMG_0001.jpg", 1000, 683)]
    public void TheShardIsTheFirstEightBytesOfTheSha256OfThePathModuloTheCount(string path, int count, int expected)
    {
        // Python: int.from_bytes(hashlib.sha256(path.encode()).digest()[:8], "big") % count
        Assert.Equal(expected, BatchShard.Of(path, count));
    }

    [Fact]
    public void EveryPathHasExactlyOneShardWhateverTheOrder()
    {
        string[] paths = [.. Enumerable.Range(0, 500).Select(i => $"d{i % 7}/img{i}.png")];
        Dictionary<string, int> forward = paths.ToDictionary(p => p, p => BatchShard.Of(p, 5));
        string[] shuffled = [.. paths];
        new Random(3).Shuffle(shuffled);
        var owners = shuffled.ToDictionary(p => p, p => Enumerable.Range(0, 5).Where(k => new BatchShard(k, 5, "test").Owns(p)).ToArray());

        Assert.All(paths, p => Assert.Equal([forward[p]], owners[p]));
        Assert.All(Enumerable.Range(0, 5), k => Assert.InRange(forward.Values.Count(v => v == k), 60, 140));
    }

    [Fact]
    public void AnExplicitShardWinsOverTheEnvironment()
    {
        BatchShard shard = BatchShard.Resolve("1/3", null, Environment(("JOB_COMPLETION_INDEX", "2"), ("NIC_BATCH_SHARDS", "4")));
        Assert.Equal((1, 3), (shard.Index, shard.Count));
    }

    [Fact]
    public void AKubernetesIndexedJobGivesTheIndexAndTheCountComesFromTheOptionOrTheVariable()
    {
        BatchShard fromVariable = BatchShard.Resolve(null, null, Environment(("JOB_COMPLETION_INDEX", "2"), ("NIC_BATCH_SHARDS", "4")));
        BatchShard fromOption = BatchShard.Resolve(null, 5, Environment(("JOB_COMPLETION_INDEX", "4")));

        Assert.Equal((2, 4), (fromVariable.Index, fromVariable.Count));
        Assert.Equal((4, 5), (fromOption.Index, fromOption.Count));
        Assert.Contains("--shards", Assert.Throws<ArgumentException>(() => BatchShard.Resolve(null, null, Environment(("JOB_COMPLETION_INDEX", "2")))).Message);
        Assert.Throws<ArgumentException>(() => BatchShard.Resolve(null, 2, Environment(("JOB_COMPLETION_INDEX", "2"))));
    }

    [Fact]
    public void ASlurmArrayIsCountedFromItsFirstTaskAndByItsStep()
    {
        BatchShard fromZero = BatchShard.Resolve(null, null, Environment(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "3")));
        BatchShard fromOne = BatchShard.Resolve(null, null, Environment(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "4")));
        BatchShard stepped = BatchShard.Resolve(null, null, Environment(("SLURM_ARRAY_TASK_ID", "14"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "2"), ("SLURM_ARRAY_TASK_MAX", "20"), ("SLURM_ARRAY_TASK_STEP", "6")));

        Assert.Equal((3, 4), (fromZero.Index, fromZero.Count));
        Assert.Equal((0, 4), (fromOne.Index, fromOne.Count));
        Assert.Equal((2, 4), (stepped.Index, stepped.Count));
    }

    [Fact]
    public void ASlurmArrayThatIsNotAnEvenRangeAsksForAnExplicitShard()
    {
        // --array=1,3,8: three tasks between 1 and 8.
        var error = Assert.Throws<ArgumentException>(() => BatchShard.Resolve(null, null, Environment(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "8"))));
        Assert.Contains("--shard", error.Message);
    }

    [Fact]
    public void WithoutAnIndexTheWholeBatchIsOneShard()
    {
        Assert.Equal((0, 1), (BatchShard.Resolve(null, null, Environment()).Index, BatchShard.Resolve(null, null, Environment()).Count));
        Assert.Throws<ArgumentException>(() => BatchShard.Resolve(null, 4, Environment()));
    }

    [Theory]
    [InlineData("4/4")]
    [InlineData("-1/4")]
    [InlineData("0/0")]
    [InlineData("1")]
    [InlineData("a/b")]
    public void AShardOutOfRangeOrMalformedIsRefused(string shard) =>
        Assert.Throws<ArgumentException>(() => BatchShard.Resolve(shard, null, Environment()));

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
