using Microsoft.Extensions.DependencyInjection;
using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec.Pipeline;
using Nic.Format;
using Nic.Torch;
using Nic.Torch.Inference;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>
/// The encoder effort (spec/nic-coding.md §11.2.1): <see cref="TorchLatentOptimizer"/> behind <see cref="NicCodec"/>.
/// Files of every effort decode with a plain managed codec that has no optimizer, to exactly the latents the optimizer
/// chose, and a search lowers the rate + λ·distortion measured after real coding.
/// </summary>
public sealed class TorchLatentOptimizerTests(ITestOutputHelper output)
{
    /// <summary>
    /// For every image architecture (small random models): the effort-2 file is the one <see cref="EncodePipeline.EncodeLatents"/>
    /// makes of the optimizer's latents (the one place where latents become a file), and a plain managed codec decodes
    /// it to those latents: ẑ exactly, ŷ to the same integer offsets from μ (the managed μ and Nic.Torch's differ only in
    /// the last bits).
    /// </summary>
    [Theory]
    [MemberData(nameof(ImageModelTests.ImageArchitectures), MemberType = typeof(ImageModelTests))]
    public async Task EffortFilesDecodeWithThePlainDecoderToTheOptimizersLatents(ModelArchitectureKind kind)
    {
        byte[] modelBytes = ModelFactory.CreateRandom(kind, 8, 12, seed: 31);
        NicModelFile file = NicModelFile.Load(modelBytes);
        using var torchOptimizer = new TorchLatentOptimizer(null, _ => 4, TorchLatentOptimizer.DefaultLearningRate);
        var recording = new RecordingOptimizer(torchOptimizer);
        var optimizing = new NicCodec(Catalog(file), new NicCodecOptions { LatentOptimizer = recording, IncludeShippedModels = false });
        var plain = new NicCodec(Catalog(file), new NicCodecOptions { IncludeShippedModels = false });
        RgbImage image = Texture(70, 50, seed: 3);

        byte[] encoded = optimizing.Encode(image, new NicEncodeOptions { Model = file.Name, Effort = 2 });
        NicLatents found = Assert.Single(recording.Results);

        CodecModel model = plain.GetModel(file);
        byte[] expected = EncodePipeline.EncodeLatents(model, image.Width, image.Height, image.Metadata, found.Y, found.Z, plain.Options.BandRows, 1, default).ToArray();
        Assert.Equal(expected, encoded);

        RgbImage decoded = await plain.DecodeAsync(encoded);
        Assert.Equal((image.Width, image.Height), (decoded.Width, decoded.Height));

        NicFile parsed = await NicFile.ReadAsync(new NicReader(encoded));
        FeatureMap yHat = FeatureMap.Zeroed(model.M, parsed.Header.YShape.Height, parsed.Header.YShape.Width, default);
        if (model.HasHyperprior)
        {
            FeatureMap zHat = model.Bottleneck.Decompress(parsed.ZSubstream, parsed.Header.ZShape.Height, parsed.Header.ZShape.Width);
            Assert.Equal(found.Z!.Data, zHat.Data);
            EntropyParameters parameters = model.Managed.HyperSynthesize(zHat);
            int rows = parsed.Header.BandRows;
            for (int band = 0; band < parsed.Bands.Count; band++)
            {
                int first = band * rows;
                model.Gaussian!.DecompressRows(parsed.Bands[band], parameters, first, Math.Min(rows, yHat.Height - first), yHat);
            }
        }
        else
        {
            int rows = parsed.Header.BandRows;
            for (int band = 0; band < parsed.Bands.Count; band++)
            {
                int first = band * rows;
                int count = Math.Min(rows, yHat.Height - first);
                FeatureMap rowsHat = model.Bottleneck.Decompress(parsed.Bands[band], count, yHat.Width);
                for (int c = 0; c < yHat.Channels; c++)
                {
                    for (int r = 0; r < count; r++)
                    {
                        rowsHat.Row(c, r).CopyTo(yHat.Row(c, first + r));
                    }
                }
            }
        }

        float worst = found.Y.Data.Zip(yHat.Data, (a, b) => MathF.Abs(a - b)).Max();
        Assert.True(worst < 1e-3f, $"the decoded ŷ differs from the optimizer's by up to {worst}");
    }

    /// <summary>
    /// On a 128×128 crop of samples/seeding.png (grass and seed heads) with the shipped nic-bmshj2018-hyperprior-q2 model, a short search (16 iterations)
    /// gives a file whose bits per pixel + λ·255²·MSE, measured on the real file and its plain decode, is below effort 1's;
    /// and the same image encodes to the same file twice.
    /// </summary>
    [Fact]
    public async Task ASearchLowersTheRealRateDistortionCost()
    {
        var catalog = new NicModelCatalog();
        NicModelEntry entry = catalog.Find("nic-bmshj2018-hyperprior", 2);
        using var optimizer = new TorchLatentOptimizer(null, _ => 16, TorchLatentOptimizer.DefaultLearningRate);
        var codec = new NicCodec(catalog, new NicCodecOptions { LatentOptimizer = optimizer });
        RgbImage image = SeedingCrop(200, 100, 128, 128);

        double baseline = await CostAsync(codec, catalog, entry, image, effort: 1);
        double searched = await CostAsync(codec, catalog, entry, image, effort: 2);
        Assert.True(searched < baseline, $"effort 2 costs {searched:F5}, effort 1 {baseline:F5}");

        // The search set glibc's malloc up for its large maps (Linux, unless opted out) and said what it did.
        Assert.NotNull(Native.GlibcHeap.Summary);
        Assert.Equal(GlibcHeapTests.ExpectTuned, Native.GlibcHeap.Tuned);

        // The annealing's noise is seeded: the same image encodes to the same file.
        NicEncodeOptions options = new() { Model = entry.Name, Effort = 2 };
        Assert.Equal(codec.Encode(image, options), codec.Encode(image, options));
    }

    /// <summary>
    /// The same on the shipped channel-context family (nic-mbt2018-mean-cc-q2, checkerboard passes, logistic tables):
    /// the search codes y in the context model's order and rounds it around the centres the coder will use, so effort 2
    /// costs less than effort 1 after real coding. A search under h_s's μ alone gave ŷ that the coder rounded again
    /// around the context's centres: more distortion for the same rate (+4.3 % BD-rate on the textured crops).
    /// </summary>
    /// <remarks>
    /// With the shipped schedule (effort 2: 3 passes of g_s, 14 Adam steps each, y alone under h_a's ẑ), the search runs
    /// g_s forward and backward 3 times (the first over the hard-rounded start, whose loss is the one to beat) and forward
    /// once (the result), the context networks once a pass, and takes the curvature 3 times (the channels' probed at the
    /// start, then a secant at each later pass), and (with 256-bit vectors) 39 of its 42 steps take their gradient from the vectorized step
    /// (RelaxedRateStep: all but the 3 that start a pass or compute the first pass's centres and scales); with 16 passes
    /// of one step (ẑ fixed for the last 3), g_s 16 times and twice (the result and the start), the networks under the
    /// fixed ẑ 3 times, and no step between passes. The shipped schedule runs
    /// here with g_s in float32 and in bfloat16, chosen whatever the CPU (without AVX512_BF16, libtorch's slow reference
    /// code: the crop is small); the other schedule keeps float32 whatever it is given.
    /// </remarks>
    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task ASearchOnAChannelContextModelLowersTheRealRateDistortionCost(bool shippedSchedule, bool bfloat16)
    {
        var catalog = new NicModelCatalog();
        NicModelEntry entry = catalog.Find("nic-mbt2018-mean-cc", 2);
        ScalarType precision = bfloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        using var optimizer = new TorchLatentOptimizer(null, shippedSchedule ? null : _ => 16, TorchLatentOptimizer.DefaultLearningRate, precision);
        var recording = new RecordingOptimizer(optimizer);
        var codec = new NicCodec(catalog, new NicCodecOptions { LatentOptimizer = recording });
        RgbImage image = SeedingCrop(200, 100, 128, 128);

        double baseline = await CostAsync(codec, catalog, entry, image, effort: 1);
        double searched = await CostAsync(codec, catalog, entry, image, effort: 2);
        Assert.True(searched < baseline, $"effort 2 costs {searched:F5}, effort 1 {baseline:F5}");
        (TorchLatentOptimizer.SearchSchedule schedule, int gradientPasses, int forwardPasses, int contextPasses, int curvatures, int vectorized, ScalarType ran) = optimizer.LastSearch;
        int betweenPasses = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 39 : 0; // else the relaxed loss, on the same draws
        Assert.Equal(shippedSchedule ? (3, 14, 3, 1, 3, 3, betweenPasses) : (16, 1, 16, 2, 3, 0, 0), (schedule.Passes, schedule.StepsPerPass, gradientPasses, forwardPasses, contextPasses, curvatures, vectorized));
        Assert.Equal(precision, ran);

        // The file is the one the coder makes of the search's latents.
        NicLatents found = Assert.Single(recording.Results);
        NicLatentProblem problem = Assert.Single(recording.Problems);
        CodecModel model = codec.GetModel(entry.File);
        byte[] expected = EncodePipeline.EncodeLatents(model, image.Width, image.Height, image.Metadata, found.Y, found.Z, codec.Options.BandRows, 1, default).ToArray();
        Assert.Equal(expected, codec.Encode(image, new NicEncodeOptions { Model = entry.Name, Effort = 2 }));

        // ẑ: h_a's, rounded as the codec rounds it, where the shipped schedule searches y alone.
        model.Bottleneck.Compress(problem.Z!, out FeatureMap startZ);
        if (shippedSchedule)
        {
            Assert.Equal(startZ.Data, found.Z!.Data);
        }

        // ŷ already lies on the coder's lattice: coding it band by band in the coder's order, around the centres the managed
        // networks give, rounds every element to itself (up to the last bits in which libtorch's centres differ). A ŷ
        // rounded in another order or around other centres moves by whole steps here.
        model.Bottleneck.Compress(found.Z!, out FeatureMap zHat);
        EntropyParameters hyper = model.Managed.HyperSynthesize(zHat);
        var quantized = FeatureMap.Zeroed(found.Y.Channels, found.Y.Height, found.Y.Width, default);
        int rows = Math.Min(codec.Options.BandRows, found.Y.Height);
        for (int first = 0; first < found.Y.Height; first += rows)
        {
            model.ChannelContext!.CompressRows(found.Y, hyper, first, Math.Min(rows, found.Y.Height - first), quantized);
        }

        double moved = found.Y.Data.Zip(quantized.Data, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(moved < 1e-3, $"the coder moved an element of the search's ŷ by {moved}");
    }

    /// <summary>
    /// The steps between passes search alike whether the vectorized step or autograd's relaxed loss computes them: both
    /// take the same draws (one seed a step from the search's generator), so the two searches of the shipped schedule
    /// (float32) end within 10⁻⁵ of each other's real cost and round at most 1 in 1000 latents otherwise, the margin of
    /// float32 rounding (on this crop: the same cost to five digits, no latent rounded otherwise). Before the relaxed loss
    /// took the step's draws, libtorch's generator drew other noise, and other noise moves a search's end far more: on
    /// citrus-fruits at point 4, five draws of the noise ended between 0.99348 and 0.99578 (docs/rate-distortion.md).
    /// </summary>
    [Fact]
    public async Task TheStepsBetweenPassesSearchAlikeVectorizedOrNot()
    {
        var catalog = new NicModelCatalog();
        NicModelEntry entry = catalog.Find("nic-mbt2018-mean-cc", 2);
        RgbImage image = SeedingCrop(200, 100, 128, 128);
        async Task<(double Cost, NicLatents Found, int Vectorized)> Search(bool vectorized)
        {
            using var optimizer = new TorchLatentOptimizer(null, null, TorchLatentOptimizer.DefaultLearningRate, ScalarType.Float32, vectorized);
            var recording = new RecordingOptimizer(optimizer);
            var codec = new NicCodec(catalog, new NicCodecOptions { LatentOptimizer = recording });
            double cost = await CostAsync(codec, catalog, entry, image, effort: 2);
            return (cost, Assert.Single(recording.Results), optimizer.LastSearch.VectorizedSteps);
        }

        (double fastCost, NicLatents fast, int fastSteps) = await Search(vectorized: true);
        (double slowCost, NicLatents slow, int slowSteps) = await Search(vectorized: false);
        Assert.Equal((System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 39 : 0, 0), (fastSteps, slowSteps));
        Assert.True(Math.Abs(fastCost - slowCost) <= 1e-5 * slowCost, $"costs {fastCost:F7} and {slowCost:F7}");
        int moved = fast.Y.Data.Zip(slow.Y.Data).Count(p => Math.Abs(p.First - p.Second) > 0.5);
        Assert.True(moved <= 0.001 * fast.Y.Data.Length, $"{moved} of {fast.Y.Data.Length} latents rounded otherwise");
    }

    /// <summary>Efforts outside 1 … 9 are refused before anything runs, with or without an optimizer.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(-1)]
    public void EffortsOutOfRangeAreRefused(int effort)
    {
        NicModelFile file = ModelFactory.LoadRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, seed: 32);
        using var optimizer = new TorchLatentOptimizer();
        var codec = new NicCodec(Catalog(file), new NicCodecOptions { LatentOptimizer = optimizer, IncludeShippedModels = false });
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => codec.Encode(Texture(16, 16, 1), new NicEncodeOptions { Model = file.Name, Effort = effort }));
        Assert.Contains("Effort must be 1 … 9", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchLatentOptimizer.IterationsFor(effort));
    }

    /// <summary><c>UseTorchLatentOptimizer</c> gives the registered codec one optimizer, a singleton.</summary>
    [Fact]
    public void DependencyInjectionRegistersTheOptimizer()
    {
        var services = new ServiceCollection();
        services.AddNeuralImageCodec().UseTorchLatentOptimizer();
        using ServiceProvider provider = services.BuildServiceProvider();
        NicCodec codec = provider.GetRequiredService<NicCodec>();
        Assert.Same(provider.GetRequiredService<TorchLatentOptimizer>(), codec.Options.LatentOptimizer);
    }

    /// <summary>The schedule rises with the effort.</summary>
    [Fact]
    public void IterationsRiseWithTheEffort()
    {
        int[] iterations = [.. Enumerable.Range(2, NicEncodeOptions.MaxEffort - 1).Select(TorchLatentOptimizer.IterationsFor)];
        Assert.All(iterations.Zip(iterations.Skip(1)), pair => Assert.True(pair.Second > pair.First));
    }

    /// <summary>
    /// Effort 2 on a channel-context model runs 3 passes of g_s with 14 Adam steps each, y alone under h_a's ẑ; every
    /// other effort, and every effort on a model without a context, runs the common schedule.
    /// </summary>
    [Fact]
    public void AChannelContextModelsEffortTwoRunsThreePassesOfFourteenSteps()
    {
        var catalog = new NicModelCatalog();
        NicModelFile context = catalog.Find("nic-mbt2018-mean-cc", 2).File;
        NicModelFile plain = catalog.Find("nic-mbt2018-mean", 2).File;
        Assert.Equal(3, TorchLatentOptimizer.IterationsFor(2, context));
        for (int effort = 2; effort <= NicEncodeOptions.MaxEffort; effort++)
        {
            Assert.Equal(TorchLatentOptimizer.IterationsFor(effort), TorchLatentOptimizer.IterationsFor(effort, plain));
            if (effort > 2)
            {
                Assert.Equal(TorchLatentOptimizer.IterationsFor(effort), TorchLatentOptimizer.IterationsFor(effort, context));
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => TorchLatentOptimizer.IterationsFor(1, context));

        // Effort 2 on the context model takes 6 smaller steps a pass (more steps than the plain model's 6 passes) under
        // h_a's ẑ, and fewer than effort 3's 16; every other search one step a pass, ẑ searched too.
        using var optimizer = new TorchLatentOptimizer();
        double shortStep = TorchLatentOptimizer.StepSize(TorchLatentOptimizer.DefaultLearningRate, 10);
        Assert.Equal(new TorchLatentOptimizer.SearchSchedule(3, 14, shortStep * 0.6, HyperFixed: true), optimizer.ScheduleFor(2, context));
        Assert.True(optimizer.ScheduleFor(2, context).Steps > optimizer.ScheduleFor(2, plain).Steps);
        Assert.True(optimizer.ScheduleFor(2, context).Passes < optimizer.ScheduleFor(3, context).Passes);
        Assert.Equal(new TorchLatentOptimizer.SearchSchedule(6, 1, TorchLatentOptimizer.StepSize(TorchLatentOptimizer.DefaultLearningRate, 6)), optimizer.ScheduleFor(2, plain));
        Assert.Equal(new TorchLatentOptimizer.SearchSchedule(16, 1, TorchLatentOptimizer.StepSize(TorchLatentOptimizer.DefaultLearningRate, 16)), optimizer.ScheduleFor(3, context));
        Assert.Equal(new TorchLatentOptimizer.SearchSchedule(4, 1, shortStep), optimizer.ScheduleFor(2, context, passes: 4));
    }

    /// <summary>
    /// The steps between passes see the distortion's curvature: on D = ½ Σ h_c (ỹ − t)² with a curvature h_c per channel,
    /// the secant between two points gives each h_c back, and the pass's gradient corrected by it is D's gradient at a third
    /// point; without a measured curvature the pass's gradient is used as it is. A negative secant (D not convex along the
    /// move) counts as none.
    /// </summary>
    [Fact]
    public void TheStepsBetweenPassesCorrectTheGradientByEachChannelsCurvature()
    {
        using var scope = NewDisposeScope();
        Tensor curvature = tensor(new float[] { 0.5f, 2f, 0.03f }).reshape(1, 3, 1, 1);
        using var noise = new Generator(41);
        Tensor target = randn(1, 3, 4, 5, generator: noise);
        Tensor Gradient(Tensor point) => point.sub(target).mul(curvature);
        Tensor first = randn(1, 3, 4, 5, generator: noise);
        Tensor second = first.Plus(randn(1, 3, 4, 5, generator: noise).Times(0.3));
        Tensor third = second.Plus(randn(1, 3, 4, 5, generator: noise).Times(0.2));

        Tensor measured = TorchLatentOptimizer.SecantCurvature(first, Gradient(first), second, Gradient(second));
        Assert.True(measured.sub(curvature).abs().max().ToDoubleValue() < 1e-5);
        Tensor corrected = TorchLatentOptimizer.StaleGradient(Gradient(second), second, measured, third);
        Assert.True(corrected.sub(Gradient(third)).abs().max().ToDoubleValue() < 1e-5);
        Assert.True(Gradient(second).sub(Gradient(third)).abs().max().ToDoubleValue() > 0.01);

        Tensor stale = Gradient(second);
        Assert.Same(stale, TorchLatentOptimizer.StaleGradient(stale, second, null, third));
        Tensor concave = TorchLatentOptimizer.SecantCurvature(first, Gradient(first).neg(), second, Gradient(second).neg());
        Assert.Equal(0, concave.abs().max().ToDoubleValue());

        // A channel the search did not move has no measured curvature (0, not a division by zero).
        Tensor still = second.clone();
        still[0, 1] = first[0, 1];
        Tensor partly = TorchLatentOptimizer.SecantCurvature(first, Gradient(first), still, Gradient(still));
        Assert.Equal(0, partly[0, 1, 0, 0].ToDoubleValue());
        Assert.True(partly.sub(curvature)[0, 0, 0, 0].abs().ToDoubleValue() < 1e-5);

        // Nor one that moved by a few ulps while the others' moves changed its gradient (g_s couples the channels): the
        // change over so short a step would read as a huge curvature.
        Tensor barely = second.clone();
        barely[0, 1] = first[0, 1].Plus(1e-5);
        Tensor coupled = Gradient(barely).clone();
        coupled[0, 1] = Gradient(first)[0, 1].Plus(0.05);
        Tensor unmeasured = TorchLatentOptimizer.SecantCurvature(first, Gradient(first), barely, coupled);
        Assert.Equal(0, unmeasured[0, 1, 0, 0].ToDoubleValue());
        Assert.True(unmeasured.sub(curvature)[0, 2, 0, 0].abs().ToDoubleValue() < 1e-5);

        // The bound is on the root-mean-square step of the window's elements, whatever its size: on 32 × 32 positions a
        // channel that moved by 2·10⁻³ each is measured, one that moved by 5·10⁻⁴ is not.
        Tensor origin = zeros(1, 2, 32, 32);
        Tensor moved = cat([ones(1, 1, 32, 32).Times(2e-3), ones(1, 1, 32, 32).Times(5e-4)], 1);
        Tensor bounded = TorchLatentOptimizer.SecantCurvature(origin, zeros(1, 2, 32, 32), moved, moved.Times(0.5));
        Assert.Equal(0.5, bounded[0, 0, 0, 0].ToDoubleValue(), 4);
        Assert.Equal(0, bounded[0, 1, 0, 0].ToDoubleValue());
    }

    /// <summary>
    /// The secant is measured over each element's window (<see cref="TorchLatentOptimizer.SecantWindow"/> latents a side),
    /// not over the whole channel: where D's curvature is 0.2 in the left half of a channel and 3 in the right, the secant
    /// gives each half's value at the elements whose window lies inside that half (a channel's secant would give about
    /// their mean, 1.6, everywhere), and a value between them across the border.
    /// </summary>
    [Fact]
    public void TheSecantCurvatureIsLocalToEachElementsWindow()
    {
        using var scope = NewDisposeScope();
        using var noise = new Generator(43);
        const int Side = 40, Half = Side / 2, Reach = TorchLatentOptimizer.SecantWindow / 2;
        Tensor curvature = cat([TensorArithmetic.Full(0.2, 1, 2, Side, Half), TensorArithmetic.Full(3, 1, 2, Side, Half)], 3);
        Tensor target = randn(1, 2, Side, Side, generator: noise);
        Tensor Gradient(Tensor point) => point.sub(target).mul(curvature);
        Tensor first = randn(1, 2, Side, Side, generator: noise);
        Tensor second = first.Plus(randn(1, 2, Side, Side, generator: noise).Times(0.3));

        Tensor measured = TorchLatentOptimizer.SecantCurvature(first, Gradient(first), second, Gradient(second));
        Assert.Equal(first.shape, measured.shape);
        Tensor left = measured.narrow(3, 0, Half - Reach);
        Tensor right = measured.narrow(3, Half + Reach, Half - Reach);
        Assert.True(left.Minus(0.2).abs().max().ToDoubleValue() < 1e-4, $"left half: {left.min().ToDoubleValue()} … {left.max().ToDoubleValue()}");
        Assert.True(right.Minus(3).abs().max().ToDoubleValue() < 1e-4, $"right half: {right.min().ToDoubleValue()} … {right.max().ToDoubleValue()}");
        Tensor border = measured.narrow(3, Half - 1, 2);
        Assert.True(border.min().ToDoubleValue() > 0.3 && border.max().ToDoubleValue() < 2.9);
    }

    /// <summary>
    /// bfloat16 for g_s only where libtorch runs it in hardware: the CPU's AVX512_BF16, oneDNN enabled, and no cap on
    /// oneDNN's ISA below AVX512_CORE_BF16 (the AVX-512-off pass sets <c>ONEDNN_MAX_CPU_ISA=AVX2</c>, where bfloat16
    /// convolutions fall back to code about 20 times slower than float32). An optimizer given a precision keeps it.
    /// </summary>
    [Fact]
    public void BFloat16IsChosenOnlyWhereLibtorchRunsItInHardware()
    {
        Assert.True(Nic.Torch.Native.BFloat16Convolutions.Decide(true, true, null));
        Assert.True(Nic.Torch.Native.BFloat16Convolutions.Decide(true, true, ""));
        Assert.True(Nic.Torch.Native.BFloat16Convolutions.Decide(true, true, "avx512_core_bf16"));
        Assert.True(Nic.Torch.Native.BFloat16Convolutions.Decide(true, true, "AVX10_1_512_AMX"));
        Assert.True(Nic.Torch.Native.BFloat16Convolutions.Decide(true, true, "ALL"));
        Assert.False(Nic.Torch.Native.BFloat16Convolutions.Decide(true, true, "AVX2"));
        Assert.False(Nic.Torch.Native.BFloat16Convolutions.Decide(true, true, "AVX512_CORE"));
        Assert.False(Nic.Torch.Native.BFloat16Convolutions.Decide(true, true, "AVX512_CORE_VNNI"));
        Assert.False(Nic.Torch.Native.BFloat16Convolutions.Decide(true, false, null));
        Assert.False(Nic.Torch.Native.BFloat16Convolutions.Decide(false, true, null));

        // libtorch's answers through the entry points (a wrong name would throw here, and read as float32 in AreNative):
        // the CPU's flag as Linux lists it, oneDNN as the convolution check left it.
        (bool cpu, bool oneDnn) = Nic.Torch.Native.BFloat16Convolutions.ReadLibtorch();
        if (OperatingSystem.IsLinux())
        {
            bool listed = File.ReadLines("/proc/cpuinfo").Any(line => line.StartsWith("flags", StringComparison.Ordinal) && line.Split(' ').Contains("avx512_bf16"));
            Assert.Equal(listed, cpu);
        }

        Assert.Equal(!Nic.Torch.Native.OneDnnConvolutionCheck.Summary!.Contains("oneDNN disabled", StringComparison.Ordinal), oneDnn);
        Assert.Equal(Nic.Torch.Native.BFloat16Convolutions.Decide(cpu, oneDnn, Nic.Torch.Native.BFloat16Convolutions.MaxCpuIsa()), Nic.Torch.Native.BFloat16Convolutions.AreNative);

        using var automatic = new TorchLatentOptimizer();
        Assert.Equal(Nic.Torch.Native.BFloat16Convolutions.AreNative ? ScalarType.BFloat16 : ScalarType.Float32, automatic.SynthesisPrecision);
        using var single = new TorchLatentOptimizer(null, null, TorchLatentOptimizer.DefaultLearningRate, ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, single.SynthesisPrecision);
    }

    /// <summary>bpp + λ·255²·MSE of the file <paramref name="codec"/> makes at <paramref name="effort"/>, measured on the file and its plain decode.</summary>
    private async Task<double> CostAsync(NicCodec codec, NicModelCatalog catalog, NicModelEntry entry, RgbImage image, int effort)
    {
        byte[] file = codec.Encode(image, new NicEncodeOptions { Model = entry.Name, Effort = effort });
        RgbImage decoded = await new NicCodec(catalog).DecodeAsync(file);
        double bpp = file.Length * 8.0 / image.PixelCount;
        double mse = ImageQuality.MeanSquaredError(image, decoded) / (255.0 * 255.0);
        double cost = bpp + (entry.File.Lambda * 255 * 255 * mse);
        output.WriteLine($"{entry.Name} effort {effort}: {file.Length} bytes, {bpp:F4} bpp, {ImageQuality.Psnr(image, decoded):F2} dB, cost {cost:F4}");
        return cost;
    }

    private static NicModelCatalog Catalog(NicModelFile file)
    {
        var catalog = new NicModelCatalog([], includeShippedModels: false);
        catalog.Add(file);
        return catalog;
    }

    /// <summary>A deterministic image with texture: a gradient, stripes of several frequencies and hashed noise.</summary>
    internal static RgbImage Texture(int width, int height, int seed)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = image.GetRow(y);
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    uint hash = (uint)((x * 73856093) ^ (y * 19349663) ^ ((c + seed) * 83492791));
                    hash ^= hash >> 13;
                    hash *= 0x5bd1e995;
                    hash ^= hash >> 15;
                    double value = 60 + (80.0 * x / width) + (40 * Math.Sin((x * 0.35) + (c * 0.7) + seed) * Math.Cos(y * 0.21)) + (25 * Math.Sin((x + y) * 0.9)) + ((hash % 41) - 20);
                    row[(3 * x) + c] = (byte)Math.Clamp(Math.Round(value), 0, 255);
                }
            }
        }

        return image;
    }

    /// <summary>A crop of samples/seeding.png.</summary>
    private static RgbImage SeedingCrop(int left, int top, int width, int height)
    {
        StbImageSharp.ImageResult png = StbImageSharp.ImageResult.FromMemory(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "seeding.png")), StbImageSharp.ColorComponents.RedGreenBlue);
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            png.Data.AsSpan(((top + y) * png.Width + left) * 3, width * 3).CopyTo(image.GetRow(y));
        }

        return image;
    }

    /// <summary>Passes every problem to an optimizer and keeps what it returns.</summary>
    private sealed class RecordingOptimizer(ILatentOptimizer inner) : ILatentOptimizer
    {
        public List<NicLatents> Results { get; } = [];

        public List<NicLatentProblem> Problems { get; } = [];

        public string Name => inner.Name;

        public NicLatents Optimize(NicLatentProblem problem, CancellationToken cancellationToken)
        {
            NicLatents result = inner.Optimize(problem, cancellationToken);
            lock (Results)
            {
                Results.Add(result);
                Problems.Add(problem);
            }

            return result;
        }
    }
}
