using System.Globalization;
using System.Text;
using System.Text.Json;
using Nic.Torch.Training;

namespace Nic.Torch.Cli.Commands;

/// <summary>
/// The TensorFlow Compression MNIST tutorial's own training log (λ = 2000, L = 50, 15 epochs, batch 128; the
/// tutorial's Keras output, rounded as Keras printed it), printed beside Nic's epochs.
/// </summary>
internal static class MnistTutorialReference
{
    // Per epoch: training rate, training MAE, validation rate, validation MAE.
    private static readonly (double Rate, double Mae, double ValidationRate, double ValidationMae)[] Log =
    [
        (100.1332, 0.0583, 92.0145, 0.0421),
        (83.9473, 0.0407, 75.9290, 0.0397),
        (71.1453, 0.0396, 64.0771, 0.0401),
        (63.1692, 0.0395, 55.8161, 0.0404),
        (58.3971, 0.0393, 49.5784, 0.0407),
        (55.3780, 0.0390, 45.1091, 0.0417),
        (53.2658, 0.0385, 42.9713, 0.0405),
        (51.6005, 0.0381, 42.1649, 0.0405),
        (50.1962, 0.0377, 41.6417, 0.0394),
        (48.8519, 0.0373, 41.4515, 0.0381),
        (47.7015, 0.0370, 41.1221, 0.0374),
        (46.7678, 0.0366, 41.2657, 0.0370),
        (46.0043, 0.0362, 41.3752, 0.0365),
        (45.3939, 0.0359, 41.7618, 0.0357),
        (44.9476, 0.0357, 41.1623, 0.0355),
    ];

    internal static string Header =>
        "epoch  steps  train s   valid s |  Nic: rate     MAE  val rate  val MAE | tutorial: rate     MAE  val rate  val MAE";

    internal static string Line(MnistEpoch e)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{e.Epoch,5} {e.Steps,6} {e.TrainingTime.TotalSeconds,8:F1} {e.ValidationTime.TotalSeconds,9:F1} | {e.Rate,10:F2} {e.Distortion,7:F4} {e.Validation.Rate,9:F2} {e.Validation.Distortion,8:F4} |");
        if (e.Epoch >= 1 && e.Epoch <= Log.Length)
        {
            var t = Log[e.Epoch - 1];
            text.Append(CultureInfo.InvariantCulture, $" {t.Rate,14:F2} {t.Mae,7:F4} {t.ValidationRate,9:F2} {t.ValidationMae,8:F4}");
        }

        return text.ToString();
    }

    internal static void WriteJson(Utf8JsonWriter json, MnistEpoch e)
    {
        json.WriteStartObject();
        json.WriteNumber("epoch", e.Epoch);
        json.WriteNumber("steps", e.Steps);
        json.WriteNumber("training_seconds", Math.Round(e.TrainingTime.TotalSeconds, 2));
        json.WriteNumber("validation_seconds", Math.Round(e.ValidationTime.TotalSeconds, 2));
        json.WriteNumber("rate", e.Rate);
        json.WriteNumber("mae", e.Distortion);
        json.WriteNumber("validation_rate", e.Validation.Rate);
        json.WriteNumber("validation_mae", e.Validation.Distortion);
        if (e.Epoch >= 1 && e.Epoch <= Log.Length)
        {
            var t = Log[e.Epoch - 1];
            json.WriteNumber("tutorial_rate", t.Rate);
            json.WriteNumber("tutorial_mae", t.Mae);
            json.WriteNumber("tutorial_validation_rate", t.ValidationRate);
            json.WriteNumber("tutorial_validation_mae", t.ValidationMae);
        }

        json.WriteEndObject();
    }
}
