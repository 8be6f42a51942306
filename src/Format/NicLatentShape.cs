namespace Nic.Format;

/// <summary>The shape (channels × height × width) of a latent tensor (spec/nic-format.md §7.2).</summary>
/// <param name="Channels">The number of channels.</param>
/// <param name="Height">The height in latent rows.</param>
/// <param name="Width">The width in latent columns.</param>
public readonly record struct NicLatentShape(int Channels, int Height, int Width)
{
    /// <summary>The empty shape: the model has no hyperprior latent.</summary>
    public static NicLatentShape Empty => default;

    /// <summary>True when all three dimensions are zero.</summary>
    public bool IsEmpty => Channels == 0 && Height == 0 && Width == 0;

    /// <summary>
    /// The number of elements, channels × height × width: 0 when a dimension is negative,
    /// <see cref="long.MaxValue"/> when the product does not fit a <see cref="long"/>.
    /// </summary>
    public long ElementCount
    {
        get
        {
            if (Channels < 0 || Height < 0 || Width < 0)
            {
                return 0;
            }

            var count = (Int128)Channels * Height * Width;
            return count > long.MaxValue ? long.MaxValue : (long)count;
        }
    }

    /// <summary>The shape as <c>CxHxW</c>.</summary>
    /// <returns>For example <c>192x4x4</c>.</returns>
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
