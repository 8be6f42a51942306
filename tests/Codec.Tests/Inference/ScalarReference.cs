using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Inference;

/// <summary>
/// Plain scalar loops that define each layer the way the spec states it: one output element at a time, products
/// accumulated in the documented order from +0, the bias added last. The engine must match them bit for bit. With
/// <c>fused</c>, each product and sum is one fused multiply-add in the same order (spec/nic-model.md §10.2).
/// </summary>
internal static class ScalarReference
{
    /// <summary>
    /// A convolution of kernel 5, stride 2 and padding 2 in the Winograd arithmetic, written from spec/nic-model.md §10.3
    /// steps 1–6: one tile and output channel at a time, every transform output a fixed sequence of single-precision
    /// operations, the products fused from +0 over the input channels ascending and their four phases in order.
    /// </summary>
    public static FeatureMap Winograd(FeatureMap x, int cout, float[] w, float[] b)
    {
        int cin = x.Channels, ho = (x.Height - 1) / 2 + 1, wo = (x.Width - 1) / 2 + 1;
        // Step 3: U[co, ci, phase][i, j].
        var u = new float[cout, cin, 4, 6, 6];
        for (int co = 0; co < cout; co++)
        {
            for (int ci = 0; ci < cin; ci++)
            {
                for (int phase = 0; phase < 4; phase++)
                {
                    var kernel = new double[3, 3];
                    for (int y = 0; y < 3; y++)
                    {
                        for (int xx = 0; xx < 3; xx++)
                        {
                            int ky = (2 * y) + (phase >> 1), kx = (2 * xx) + (phase & 1);
                            kernel[y, xx] = ky < 5 && kx < 5 ? w[(((co * cin) + ci) * 25) + (ky * 5) + kx] : 0;
                        }
                    }

                    float[,] transformed = TransformKernel(kernel);
                    for (int i = 0; i < 6; i++)
                    {
                        for (int j = 0; j < 6; j++)
                        {
                            u[co, ci, phase, i, j] = transformed[i, j];
                        }
                    }
                }
            }
        }

        var output = new FeatureMap(cout, ho, wo);
        var v = new float[cin, 4, 6, 6];
        var d = new float[6];
        for (int tr = 0; tr * 4 < ho; tr++)
        {
            for (int tc = 0; tc * 4 < wo; tc++)
            {
                // Steps 1, 2 and 4: each phase's 6 × 6 input tile, its rows transformed, then its columns.
                for (int ci = 0; ci < cin; ci++)
                {
                    for (int phase = 0; phase < 4; phase++)
                    {
                        int a = phase >> 1, bb = phase & 1;
                        var rows = new float[6, 6];
                        for (int r = 0; r < 6; r++)
                        {
                            for (int q = 0; q < 6; q++)
                            {
                                // Phase row 4R + 5 of the odd row phase is +0.
                                d[q] = a == 1 && r == 5 ? 0 : At(x, ci, (2 * ((4 * tr) + r)) + a - 2, (2 * ((4 * tc) + q)) + bb - 2);
                            }

                            float[] t = InputTransform(d);
                            for (int j = 0; j < 6; j++)
                            {
                                rows[r, j] = t[j];
                            }
                        }

                        for (int j = 0; j < 6; j++)
                        {
                            for (int r = 0; r < 6; r++)
                            {
                                d[r] = rows[r, j];
                            }

                            float[] t = InputTransform(d);
                            for (int i = 0; i < 6; i++)
                            {
                                v[ci, phase, i, j] = t[i];
                            }
                        }
                    }
                }

                for (int co = 0; co < cout; co++)
                {
                    // Step 5, then step 6: columns first, then rows, then the bias.
                    var m = new float[6, 6];
                    for (int i = 0; i < 6; i++)
                    {
                        for (int j = 0; j < 6; j++)
                        {
                            float acc = 0;
                            for (int ci = 0; ci < cin; ci++)
                            {
                                for (int phase = 0; phase < 4; phase++)
                                {
                                    acc = MathF.FusedMultiplyAdd(u[co, ci, phase, i, j], v[ci, phase, i, j], acc);
                                }
                            }

                            m[i, j] = acc;
                        }
                    }

                    var columns = new float[4, 6];
                    for (int j = 0; j < 6; j++)
                    {
                        float[] t = OutputTransform(m[0, j], m[1, j], m[2, j], m[3, j], m[4, j], m[5, j]);
                        for (int k = 0; k < 4; k++)
                        {
                            columns[k, j] = t[k];
                        }
                    }

                    for (int k = 0; k < 4 && (4 * tr) + k < ho; k++)
                    {
                        float[] t = OutputTransform(columns[k, 0], columns[k, 1], columns[k, 2], columns[k, 3], columns[k, 4], columns[k, 5]);
                        for (int l = 0; l < 4 && (4 * tc) + l < wo; l++)
                        {
                            output[co, (4 * tr) + k, (4 * tc) + l] = t[l] + b[co];
                        }
                    }
                }
            }
        }

        return output;
    }

    /// <summary>
    /// spec/nic-model.md §10.3's scalar model of a transposed convolution (kernel 5, stride 2, padding 2, output padding 1;
    /// weights [cin, cout, 5, 5]) in the Winograd arithmetic: each output phase (a, b) a 3 × 3 correlation of the input padded
    /// by 1 with g_ab[u][v] = w[a + 4 − 2u][b + 4 − 2v], tile (R, T) made from input rows 4R − 1 … 4R + 4 and columns
    /// 4T − 1 … 4T + 4 into output rows 8R + 2k + a and columns 8T + 2l + b.
    /// </summary>
    public static FeatureMap WinogradTransposed(FeatureMap x, int cout, float[] w, float[] b)
    {
        int cin = x.Channels, ho = 2 * x.Height, wo = 2 * x.Width;
        // Step 3: U[co, phase, ci][i, j].
        var u = new float[cout, 4, cin, 6, 6];
        for (int co = 0; co < cout; co++)
        {
            for (int phase = 0; phase < 4; phase++)
            {
                for (int ci = 0; ci < cin; ci++)
                {
                    var kernel = new double[3, 3];
                    for (int y = 0; y < 3; y++)
                    {
                        for (int xx = 0; xx < 3; xx++)
                        {
                            int ky = (phase >> 1) + 4 - (2 * y), kx = (phase & 1) + 4 - (2 * xx);
                            kernel[y, xx] = ky < 5 && kx < 5 ? w[(((ci * cout) + co) * 25) + (ky * 5) + kx] : 0;
                        }
                    }

                    float[,] transformed = TransformKernel(kernel);
                    for (int i = 0; i < 6; i++)
                    {
                        for (int j = 0; j < 6; j++)
                        {
                            u[co, phase, ci, i, j] = transformed[i, j];
                        }
                    }
                }
            }
        }

        var output = new FeatureMap(cout, ho, wo);
        var v = new float[cin, 6, 6];
        var d = new float[6];
        for (int tr = 0; tr * 4 < x.Height; tr++)
        {
            for (int tc = 0; tc * 4 < x.Width; tc++)
            {
                // Steps 2 and 4: the 6 × 6 input tile, its rows transformed, then its columns.
                for (int ci = 0; ci < cin; ci++)
                {
                    var rows = new float[6, 6];
                    for (int r = 0; r < 6; r++)
                    {
                        for (int q = 0; q < 6; q++)
                        {
                            d[q] = At(x, ci, (4 * tr) + r - 1, (4 * tc) + q - 1);
                        }

                        float[] t = InputTransform(d);
                        for (int j = 0; j < 6; j++)
                        {
                            rows[r, j] = t[j];
                        }
                    }

                    for (int j = 0; j < 6; j++)
                    {
                        for (int r = 0; r < 6; r++)
                        {
                            d[r] = rows[r, j];
                        }

                        float[] t = InputTransform(d);
                        for (int i = 0; i < 6; i++)
                        {
                            v[ci, i, j] = t[i];
                        }
                    }
                }

                for (int co = 0; co < cout; co++)
                {
                    for (int phase = 0; phase < 4; phase++)
                    {
                        // Step 5, then step 6: columns first, then rows, then the bias, into the phase's pixels.
                        var m = new float[6, 6];
                        for (int i = 0; i < 6; i++)
                        {
                            for (int j = 0; j < 6; j++)
                            {
                                float acc = 0;
                                for (int ci = 0; ci < cin; ci++)
                                {
                                    acc = MathF.FusedMultiplyAdd(u[co, phase, ci, i, j], v[ci, i, j], acc);
                                }

                                m[i, j] = acc;
                            }
                        }

                        var columns = new float[4, 6];
                        for (int j = 0; j < 6; j++)
                        {
                            float[] t = OutputTransform(m[0, j], m[1, j], m[2, j], m[3, j], m[4, j], m[5, j]);
                            for (int k = 0; k < 4; k++)
                            {
                                columns[k, j] = t[k];
                            }
                        }

                        for (int k = 0; k < 4; k++)
                        {
                            float[] t = OutputTransform(columns[k, 0], columns[k, 1], columns[k, 2], columns[k, 3], columns[k, 4], columns[k, 5]);
                            for (int l = 0; l < 4; l++)
                            {
                                int oy = (8 * tr) + (2 * k) + (phase >> 1), ox = (8 * tc) + (2 * l) + (phase & 1);
                                if (oy < ho && ox < wo)
                                {
                                    output[co, oy, ox] = t[l] + b[co];
                                }
                            }
                        }
                    }
                }
            }
        }

        return output;
    }

    /// <summary>spec/nic-model.md §10.3, step 3: U = G g Gᵀ of a 3 × 3 kernel in binary64, rounded to binary32 once.</summary>
    private static float[,] TransformKernel(double[,] kernel)
    {
        double[,] g =
        {
            { 1.0 / 4, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 }, { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
            { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 },
        };
        var h = new double[6, 3];
        for (int i = 0; i < 6; i++)
        {
            for (int xx = 0; xx < 3; xx++)
            {
                h[i, xx] = (g[i, 0] * kernel[0, xx]) + (g[i, 1] * kernel[1, xx]) + (g[i, 2] * kernel[2, xx]);
            }
        }

        var u = new float[6, 6];
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 6; j++)
            {
                u[i, j] = (float)((h[i, 0] * g[j, 0]) + (h[i, 1] * g[j, 1]) + (h[i, 2] * g[j, 2]));
            }
        }

        return u;
    }

    /// <summary>spec/nic-model.md §10.3, step 4: the six-point input transform, each output one fixed sequence of binary32 operations.</summary>
    private static float[] InputTransform(float[] s)
    {
        float p = s[4] - (4 * s[2]), q = s[3] - (4 * s[1]), r = s[4] - s[2], t = (s[3] - s[1]) + (s[3] - s[1]);
        return [((4 * s[0]) - (5 * s[2])) + s[4], p + q, p - q, r + t, r - t, ((4 * s[1]) - (5 * s[3])) + s[5]];
    }

    /// <summary>spec/nic-model.md §10.3, step 6: six points into four.</summary>
    private static float[] OutputTransform(float m0, float m1, float m2, float m3, float m4, float m5)
    {
        float p = m1 + m2, q = m1 - m2, r = m3 + m4, t = m3 - m4;
        return [(m0 + p) + r, q + (2 * t), p + (4 * r), (q + (8 * t)) + m5];
    }

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
