namespace Nic.Format.Tests;

public sealed class AtomicFileTests
{
    [Fact]
    public void WritingAtomicallyReplacesTheTargetAndLeavesNoTemporaryFile()
    {
        string directory = Directory.CreateTempSubdirectory("nic-atomic-").FullName;
        string path = Path.Combine(directory, "model.nicm");
        File.WriteAllBytes(path, [1, 2, 3]);
        AtomicFile.WriteAllBytes(path, new byte[] { 4, 5 });
        Assert.Equal([4, 5], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(directory));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void AFailedWriteLeavesTheTargetAndNoTemporaryFile()
    {
        string directory = Directory.CreateTempSubdirectory("nic-atomic-").FullName;
        string path = Path.Combine(directory, "model.nicm");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.WriteByte(9);
            throw new InvalidOperationException("interrupted");
        }));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(directory));
        Directory.Delete(directory, recursive: true);
    }
}
