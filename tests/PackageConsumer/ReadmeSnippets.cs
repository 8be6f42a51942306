// The README's C# examples, compiled against the packages (scripts/package-consumer-test.sh): the script puts every
// ```csharp block of the README's "Using the SDK" and "ImageSharp" sections, as written, into a method of this class
// (Snippets.g.cs) and builds the project from the package feed. The fields and methods below stand for what an example
// takes from its surroundings (the pixels, a stream, a service collection); the examples are compiled, never run.
#pragma warning disable CS0649, CS8618, CS1998, IDE0051, IDE0060 // inputs never assigned; methods never called
global using System.Buffers;
global using Microsoft.Extensions.DependencyInjection;
global using Nic.Codec;
global using Nic.Codec.Catalog;
global using Nic.Codec.DependencyInjection;
global using Nic.Codec.Entropy;
global using Nic.Codec.EntropyModels;
global using Nic.Codec.Imaging;
global using Nic.Codec.Inference;
global using Nic.Codec.Models;
global using Nic.Format;
global using Nic.ImageSharp;
global using Nic.Torch.Inference;
global using SixLabors.ImageSharp;
global using SixLabors.ImageSharp.Formats.Png;

namespace ReadmeSnippets;

public static partial class Snippets
{
    // Compressing and decompressing
    static int width, height;
    static byte[] rgbBytes, icc;
    static Stream networkStream, stream, uploadStream;
    static void Consume(int firstRow, int rowCount, ReadOnlyMemory<byte> pixels) { }

    // Dependency injection
    static IServiceCollection services;

    // Reading a container
    static void Process(int index, ReadOnlySequence<byte> payload) { }

    // Coding symbols
    static int[] values, scaleIndexes, decoded, symbols;
    static float[] cdf;
    static int lp;

    // Running a model's networks
    static FeatureMap image, zHat, yHat, band;
    static int firstRow, rowCount;

    public static void Main() => Console.WriteLine($"{typeof(Snippets).GetMethods().Count(m => m.Name.StartsWith("Snippet", StringComparison.Ordinal))} README examples compiled");
}
