using System.Text;

namespace Nic.Format;

/// <summary>
/// Identifies the model that coded an image: its registry name and the SHA-256 of its file
/// (spec/nic-format.md §7.1, <c>model_name</c> and <c>model_hash</c>).
/// </summary>
public sealed class NicModelId : IEquatable<NicModelId>
{
    private readonly byte[] _hash;

    /// <summary>Creates a model identity.</summary>
    /// <param name="name">1 to 64 characters from <c>a-z 0-9 . _ -</c>.</param>
    /// <param name="sha256">The 32-byte SHA-256 of the model file.</param>
    /// <exception cref="ArgumentException">The name or hash is not valid.</exception>
    public NicModelId(string name, ReadOnlySpan<byte> sha256)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new ArgumentException(
                $"A model name is 1 to {NicConstants.MaxModelNameLength} characters from a-z 0-9 . _ -; '{name}' is not.",
                nameof(name));
        }

        if (sha256.Length != NicConstants.ModelHashLength)
        {
            throw new ArgumentException(
                $"A model hash is {NicConstants.ModelHashLength} bytes; {sha256.Length} were given.", nameof(sha256));
        }

        Name = name;
        _hash = sha256.ToArray();
    }

    /// <summary>The registry name of the model.</summary>
    public string Name { get; }

    /// <summary>The SHA-256 of the model file.</summary>
    public ReadOnlySpan<byte> Sha256 => _hash;

    /// <summary>The SHA-256 of the model file as 64 lowercase hexadecimal digits.</summary>
    public string Sha256Hex => Convert.ToHexStringLower(_hash);

    /// <summary>Tells whether a string is a valid model name.</summary>
    /// <param name="name">The candidate name.</param>
    /// <returns>True when it has 1 to 64 characters, all from <c>a-z 0-9 . _ -</c>.</returns>
    public static bool IsValidName(string? name)
    {
        if (name is null || name.Length is < 1 or > NicConstants.MaxModelNameLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!IsNameCharacter(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Tells whether the bytes of a name are valid, without decoding them.</summary>
    internal static bool IsValidName(ReadOnlySpan<byte> name)
    {
        if (name.Length is < 1 or > NicConstants.MaxModelNameLength)
        {
            return false;
        }

        foreach (var b in name)
        {
            if (!IsNameCharacter((char)b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Creates an identity from bytes already checked with <see cref="IsValidName(ReadOnlySpan{byte})"/>.</summary>
    internal static NicModelId FromValidBytes(ReadOnlySpan<byte> name, ReadOnlySpan<byte> sha256) =>
        new(Encoding.ASCII.GetString(name), sha256);

    /// <inheritdoc />
    public bool Equals(NicModelId? other) =>
        other is not null && Name == other.Name && _hash.AsSpan().SequenceEqual(other._hash);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as NicModelId);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, BitConverter.ToInt32(_hash, 0));

    /// <summary>The name and hash as <c>name@sha256</c>.</summary>
    /// <returns>For example <c>bmshj2018-hyperprior@e3b0…</c>.</returns>
    public override string ToString() => $"{Name}@{Sha256Hex}";

    private static bool IsNameCharacter(char c) =>
        c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
