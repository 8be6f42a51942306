namespace Nic.Codec.Inference;

/// <summary>How the managed engine accumulates the products of a convolution-like layer (spec/nic-model.md §10).</summary>
public enum ManagedArithmetic
{
    /// <summary>
    /// The reference arithmetic of spec/nic-model.md §10: every product and every sum rounded on its own. h_s and the
    /// context networks always use it; the reference decoder's pixels (the conformance suite's golden images) are made
    /// with it.
    /// </summary>
    Reference,

    /// <summary>
    /// g_a, h_a and g_s accumulate with fused multiply-adds in the same order (spec/nic-model.md §10.2): about twice the
    /// multiply-adds per cycle on CPUs whose adders and multipliers share ports. h_s, and with it every symbol, stays in
    /// the reference arithmetic; reconstructions differ from the reference decoder's by rounding only (the conformance
    /// suite's tolerance for other backends), and encoded files may differ from the reference encoder's. The arithmetic
    /// of every layer that the codec's default, <see cref="Winograd"/>, does not transform.
    /// </summary>
    Fused,

    /// <summary>
    /// The fused arithmetic, except that g_a's convolutions of kernel 5, stride 2 and at least 16 input channels whose
    /// output lies at least twice finer than the latent (the image models' second and third: 18 k of the default model's
    /// 24 k multiply-adds a pixel) are computed by Winograd's minimal filtering F(4 × 4, 3 × 3) over the input's phases,
    /// and g_s's transposed convolutions of kernel 5 with at least 16 input channels after the first (g_s.2, g_s.4 and
    /// g_s.6: 19.8 k of its 21 k) by the same filtering over the output's phases (spec/nic-model.md §10.3): 0.36 of
    /// their multiply-adds, plus the transforms. g_a differs from the fused one's by rounding, so the files it writes may
    /// differ from those of the other arithmetics (by a few symbols), and g_s's pixels differ from the fused one's by
    /// rounding, within the conformance suite's tolerance for other backends; like theirs they are the same on every
    /// machine, vector width and thread count. h_a and the other layers take the fused arithmetic, h_s and the context
    /// networks the reference one, so a file decodes to the same symbols in every arithmetic. The codec's default
    /// (<see cref="ManagedBackendFactory.Arithmetic"/>).
    /// </summary>
    Winograd,
}

/// <summary>What the arithmetics mean for a layer that is not one of the Winograd convolutions.</summary>
internal static class ManagedArithmetics
{
    /// <summary>The arithmetic of the direct kernel: the Winograd arithmetic is the fused one wherever it does not transform.</summary>
    public static ManagedArithmetic WithoutWinograd(this ManagedArithmetic arithmetic) =>
        arithmetic == ManagedArithmetic.Winograd ? ManagedArithmetic.Fused : arithmetic;
}
