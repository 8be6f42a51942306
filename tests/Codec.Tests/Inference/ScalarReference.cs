using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Inference;

/// <summary>
/// Plain scalar loops that define each layer the way the spec states it: one output element at a time, products
/// accumulated in the documented order from +0, the bias added last. The engine must match them bit for bit. With
/// <c>fused</c>, each product and sum is one fused multiply-add in the same order (spec/nic-model.md §10.2).
/// </summary>
internal static class ScalarReference
{
    public static FeatureMap Conv(FeatureMap x, int cout, int k, int stride, float[] w, float[] b, bool fused = false)
    {
        int pad = k / 2;
        int ho = stride == 1 ? x.Height : (x.Height - 1) / 2 + 1, wo = stride == 1 ? x.Width : (x.Width - 1) / 2 + 1;
        var output = new FeatureMap(cout, ho, wo);
        (int Ky, int Kx)[] taps = Conv2dLayer.TapOrder(k, stride);
        for (int co = 0; co < cout; co++)
        {
            for (int y = 0; y < ho; y++)
            {
                for (int xx = 0; xx < wo; xx++)
                {
                    float acc = 0;
                    for (int ci = 0; ci < x.Channels; ci++)
                    {
                        foreach ((int ky, int kx) in taps)
                        {
                            acc = Step(acc, w[((co * x.Channels + ci) * k + ky) * k + kx], At(x, ci, y * stride - pad + ky, xx * stride - pad + kx), fused);
                        }
                    }

                    output[co, y, xx] = acc + b[co];
                }
            }
        }

        return output;
    }

    public static FeatureMap ConvTranspose(FeatureMap x, int cout, int k, float[] w, float[] b, bool fused = false)
    {
        int pad = k / 2;
        var output = new FeatureMap(cout, 2 * x.Height, 2 * x.Width);
        for (int co = 0; co < cout; co++)
        {
            for (int oy = 0; oy < output.Height; oy++)
            {
                for (int ox = 0; ox < output.Width; ox++)
                {
                    float acc = 0;
                    for (int ci = 0; ci < x.Channels; ci++)
                    {
                        for (int ky = 0; ky < k; ky++)
                        {
                            for (int kx = 0; kx < k; kx++)
                            {
                                int ny = oy + pad - ky, nx = ox + pad - kx;
                                if (((ny | nx) & 1) == 0)
                                {
                                    acc = Step(acc, w[((ci * cout + co) * k + ky) * k + kx], At(x, ci, ny >> 1, nx >> 1), fused);
                                }
                            }
                        }
                    }

                    output[co, oy, ox] = acc + b[co];
                }
            }
        }

        return output;
    }

    public static FeatureMap Gdn(FeatureMap x, float[] beta, float[] gamma, bool inverse, bool fused = false)
    {
        int c = x.Channels;
        var output = new FeatureMap(c, x.Height, x.Width);
        for (int i = 0; i < c; i++)
        {
            for (int y = 0; y < x.Height; y++)
            {
                for (int xx = 0; xx < x.Width; xx++)
                {
                    float acc = 0;
                    for (int j = 0; j < c; j++)
                    {
                        float v = x[j, y, xx];
                        acc = Step(acc, gamma[i * c + j], v * v, fused);
                    }

                    float root = MathF.Sqrt(acc + beta[i]);
                    output[i, y, xx] = inverse ? x[i, y, xx] * root : x[i, y, xx] / root;
                }
            }
        }

        return output;
    }

    private static float Step(float acc, float w, float v, bool fused) => fused ? MathF.FusedMultiplyAdd(w, v, acc) : acc + w * v;

    public static float Activation(float v, float slope) => slope == 0 ? (v > 0 ? v : 0f) : (v < 0 ? v * slope : v);

    private static float At(FeatureMap x, int c, int y, int xx) =>
        y >= 0 && y < x.Height && xx >= 0 && xx < x.Width ? x[c, y, xx] : 0f;
}
