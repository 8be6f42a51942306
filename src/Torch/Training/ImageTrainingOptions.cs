using Nic.Codec.Models;
using Nic.Torch.Models;

namespace Nic.Torch.Training;

/// <summary>Everything an <see cref="ImageTraining"/> run needs. Defaults follow CompressAI's examples where they apply.</summary>
public sealed record ImageTrainingOptions
{
    /// <summary>The architecture (one of the three image models).</summary>
    public ModelArchitectureKind Architecture { get; init; } = ModelArchitectureKind.Bmshj2018Hyperprior;

    /// <summary>N, the channels of the transforms (ignored when fine-tuning <see cref="InitialModel"/>).</summary>
    public int N { get; init; } = 128;

    /// <summary>M, the channels of the latent y (ignored when fine-tuning <see cref="InitialModel"/>).</summary>
    public int M { get; init; } = 192;

    /// <summary>λ in loss = bpp + λ · 255² · MSE.</summary>
    public required double Lambda { get; init; }

    /// <summary>The optimizer steps the run ends at (a resumed run counts the steps before the resume).</summary>
    public required long Steps { get; init; }

    /// <summary>Crops per batch.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>The side of a training crop (a multiple of 64).</summary>
    public int CropSize { get; init; } = 256;

    /// <summary>The folder holding <c>train/</c> and <c>validation/</c> photographs (scripts/fetch-data.sh's <c>data/photos</c>).</summary>
    public required string PhotoDirectory { get; init; }

    /// <summary>Downscale factors of the photographs.</summary>
    public IReadOnlyList<int> DownscaleFactors { get; init; } = PhotoSet.DefaultFactors;

    /// <summary>The side of the validation centre crops (one per validation photo and factor).</summary>
    public int ValidationCropSize { get; init; } = 256;

    /// <summary>Adam's learning rate at step 0.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Steps at which the learning rate is divided by 10.</summary>
    public IReadOnlyList<long> LearningRateMilestones { get; init; } = [];

    /// <summary>The largest gradient norm (CompressAI's examples clip at 1).</summary>
    public double? ClipGradientNorm { get; init; } = 1.0;

    /// <summary>The seed of the initial weights, the crops and the noise.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The checkpoint file: resumed from when it exists, rewritten every <see cref="CheckpointEvery"/> steps and at the end. Null: none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Steps between checkpoints.</summary>
    public int CheckpointEvery { get; init; } = 250;

    /// <summary>Steps between validations.</summary>
    public int ValidateEvery { get; init; } = 1000;

    /// <summary>A model file to start from (fine-tuning) instead of fresh weights; its architecture and N, M are used.</summary>
    public NicModelFile? InitialModel { get; init; }

    /// <summary>The model's registry name in the exported file.</summary>
    public required string ModelName { get; init; }

    /// <summary>The rate point recorded in the exported file.</summary>
    public int RatePoint { get; init; }

    /// <summary>The family recorded in the exported file (models of one family differ only in rate point); null for none.</summary>
    public string? Family { get; init; }

    /// <summary>
    /// How the exported file stores the parameters (default binary32). With <see cref="ParameterPrecision.Float16"/> the
    /// trained parameters are rounded to binary16 before the tables are built; the checkpoint keeps them in binary32.
    /// </summary>
    public ParameterPrecision Precision { get; init; }
}
