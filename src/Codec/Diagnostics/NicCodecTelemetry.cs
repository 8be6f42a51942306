using System.Diagnostics;
using System.Diagnostics.Metrics;
using Nic.Format;

namespace Nic.Codec.Diagnostics;

/// <summary>
/// The names under which <see cref="NicCodec"/> reports metrics (a <see cref="Meter"/>) and traces (an
/// <see cref="ActivitySource"/>), for OpenTelemetry: <c>.AddMeter(NicCodecTelemetry.MeterName)</c> and
/// <c>.AddSource(NicCodecTelemetry.ActivitySourceName)</c>. Nothing is measured while nothing listens.
/// </summary>
/// <remarks>
/// Instruments: <c>nic.codec.operations</c> (counter, operations ended), <c>nic.codec.operation.duration</c> (histogram,
/// seconds), <c>nic.codec.bytes_in</c> and <c>nic.codec.bytes_out</c> (counters, bytes: pixels in and file out for an
/// encode, file in and pixels out for a decode), <c>nic.codec.errors</c> (counter, failed operations). Tags:
/// <c>nic.operation</c> (<c>encode</c>, <c>decode</c>, <c>identify</c>), <c>nic.outcome</c> (<c>success</c>,
/// <c>error</c>, <c>cancelled</c>, <c>abandoned</c> for a decode whose rows were not read to the end), <c>nic.model</c>
/// (the model's name, once known) and, on failure, <c>error.type</c> (the Nic error code such as <c>BadChecksum</c> or
/// <c>ResourceLimitExceeded</c>, else the exception's type). Activities: <c>nic.encode</c>, <c>nic.decode</c> (open to
/// the last row) with its child <c>nic.open</c> (header, metadata, the model, ẑ and h_s), and <c>nic.identify</c>, carrying the same tags
/// plus <c>nic.width</c>, <c>nic.height</c> and <c>nic.bytes</c> (the file's length). An encode's stages are children of
/// its <c>nic.encode</c> (spec/nic-coding.md §11.2): <c>nic.analysis</c> (g_a), <c>nic.hyper_analysis</c> (h_a),
/// <c>nic.latent_search</c> (efforts above 1), <c>nic.hyper_synthesis</c> (ẑ coded, h_s) and <c>nic.bands</c> (y coded
/// band by band); a search for a target size runs them once for every encode it tries. A stage (or <c>nic.open</c>) that
/// fails carries the failure's <c>nic.outcome</c>, and for an error its <c>error.type</c> and an Error status, as the
/// operation's activity does: a trace shows where an operation failed.
/// </remarks>
public static class NicCodecTelemetry
{
    /// <summary>The name of the codec's <see cref="Meter"/> and <see cref="ActivitySource"/>.</summary>
    public const string MeterName = "Nic.Codec";

    /// <summary>The name of the codec's <see cref="ActivitySource"/> (the same as <see cref="MeterName"/>).</summary>
    public const string ActivitySourceName = MeterName;

    /// <summary>The activity of an encode, from the image to the file.</summary>
    internal const string EncodeActivity = "nic.encode";

    /// <summary>The activity of a decode, from its opening to its last row.</summary>
    internal const string DecodeActivity = "nic.decode";

    /// <summary>The activity of an identify: the header read and checked.</summary>
    internal const string IdentifyActivity = "nic.identify";

    /// <summary>The activity of a decode's opening: header, metadata, the model (its family's first load included), ẑ and h_s.</summary>
    internal const string OpenActivity = "nic.open";

    /// <summary>The activity of an encode's g_a.</summary>
    internal const string AnalysisActivity = "nic.analysis";

    /// <summary>The activity of an encode's h_a.</summary>
    internal const string HyperAnalysisActivity = "nic.hyper_analysis";

    /// <summary>The activity of an encode's latent search (efforts above 1).</summary>
    internal const string LatentSearchActivity = "nic.latent_search";

    /// <summary>The activity of an encode's ẑ coding and h_s.</summary>
    internal const string HyperSynthesisActivity = "nic.hyper_synthesis";

    /// <summary>The activity of an encode's y bands.</summary>
    internal const string BandsActivity = "nic.bands";

    /// <summary>An encode's stage activities, in running order.</summary>
    internal static readonly string[] EncodeStageActivities =
        [AnalysisActivity, HyperAnalysisActivity, LatentSearchActivity, HyperSynthesisActivity, BandsActivity];

    internal const string Encode = "encode";
    internal const string Decode = "decode";
    internal const string Identify = "identify";
    internal const string Success = "success";
    internal const string Error = "error";
    internal const string Cancelled = "cancelled";
    internal const string Abandoned = "abandoned";

    private static readonly string? Version = typeof(NicCodecTelemetry).Assembly.GetName().Version?.ToString();

    internal static readonly ActivitySource Source = new(ActivitySourceName, Version);

    private static readonly Meter Meter = new(MeterName, Version);

    private static readonly Counter<long> Operations = Meter.CreateCounter<long>("nic.codec.operations", "{operation}", "Encodes, decodes and identifies ended, by nic.operation and nic.outcome.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "nic.codec.operation.duration",
        "s",
        "The duration of an encode, a decode (open to the last row) or an identify.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    private static readonly Counter<long> BytesIn = Meter.CreateCounter<long>("nic.codec.bytes_in", "By", "Bytes taken in: RGB pixels by an encode, the .nic file by a decode.");

    private static readonly Counter<long> BytesOut = Meter.CreateCounter<long>("nic.codec.bytes_out", "By", "Bytes given out: the .nic file by an encode, RGB pixels by a decode.");

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("nic.codec.errors", "{error}", "Operations that failed, by nic.operation and error.type (the Nic error code).");

    /// <summary>Whether anything listens to the operation metrics or the activities; when not, callers skip the bookkeeping.</summary>
    internal static bool Enabled => Operations.Enabled || Duration.Enabled || Source.HasListeners();

    /// <summary>Starts an activity (null while nothing listens).</summary>
    internal static Activity? StartActivity(string name) => Source.StartActivity(name, ActivityKind.Internal);

    /// <summary>
    /// Runs one stage of an encode under its activity (<see cref="EncodeStageActivities"/>): a stage that fails ends with
    /// its failure (<see cref="Failed"/>), as the operation's activity does, so that a trace shows the stage an encode
    /// failed in.
    /// </summary>
    internal static T Stage<T>(string name, Func<T> stage)
    {
        Activity? activity = StartActivity(name);
        try
        {
            return stage();
        }
        catch (Exception exception) when (activity is not null)
        {
            Failed(activity, exception);
            throw;
        }
        finally
        {
            activity?.Stop();
        }
    }

    /// <summary><see cref="Stage{T}(string, Func{T})"/> of a stage with no result.</summary>
    internal static void Stage(string name, Action stage) => Stage(name, () =>
    {
        stage();
        return true;
    });

    /// <summary>
    /// Tags <paramref name="activity"/> with the failure <paramref name="exception"/>: <c>nic.outcome</c> <c>error</c> or
    /// <c>cancelled</c>; for an error, <c>error.type</c> and an Error status. For a stage and for <c>nic.open</c>.
    /// </summary>
    internal static void Failed(Activity activity, Exception exception)
    {
        string outcome = OutcomeOf(exception);
        activity.SetTag("nic.outcome", outcome);
        if (outcome != Cancelled)
        {
            TagError(activity, ErrorTypeOf(exception), exception.Message);
        }
    }

    private static void TagError(Activity activity, string errorType, string message)
    {
        activity.SetTag("error.type", errorType);
        activity.SetStatus(ActivityStatusCode.Error, message);
    }

    /// <summary>The outcome of a failure: cancelled or an error.</summary>
    internal static string OutcomeOf(Exception exception) => exception is OperationCanceledException ? Cancelled : Error;

    /// <summary>The <c>error.type</c> of a failure: the Nic error code, else the exception's type.</summary>
    internal static string ErrorTypeOf(Exception exception) => exception is NicException nic ? nic.ErrorCode : exception.GetType().FullName ?? exception.GetType().Name;

    /// <summary>Records one ended operation on the instruments and on its activity, then stops the activity.</summary>
    internal static void Record(string operation, string outcome, string? model, long startTimestamp, long bytesIn, long bytesOut, Exception? exception, Activity? activity)
    {
        string? errorType = exception is null || outcome == Cancelled ? null : ErrorTypeOf(exception);
        var tags = new TagList { { "nic.operation", operation }, { "nic.outcome", outcome } };
        if (model is not null)
        {
            tags.Add("nic.model", model);
        }

        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        Operations.Add(1, tags);
        Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
        if (bytesIn > 0)
        {
            BytesIn.Add(bytesIn, tags);
        }

        if (bytesOut > 0)
        {
            BytesOut.Add(bytesOut, tags);
        }

        if (errorType is not null)
        {
            Errors.Add(1, tags);
        }

        if (activity is not null)
        {
            activity.SetTag("nic.outcome", outcome);
            if (model is not null)
            {
                activity.SetTag("nic.model", model);
            }

            if (errorType is not null)
            {
                TagError(activity, errorType, exception!.Message);
            }

            activity.Stop();
        }
    }

    /// <summary>Tags an activity with an image's size.</summary>
    internal static void TagImage(Activity? activity, int width, int height, long fileBytes)
    {
        if (activity is not null)
        {
            activity.SetTag("nic.width", width);
            activity.SetTag("nic.height", height);
            if (fileBytes >= 0)
            {
                activity.SetTag("nic.bytes", fileBytes);
            }
        }
    }
}
