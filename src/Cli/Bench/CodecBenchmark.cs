using System.Diagnostics;
using Nic.Codec;
using Nic.Codec.Diagnostics;
using Nic.Codec.Imaging;

namespace Nic.Cli.Bench;

/// <summary>
/// Times whole encodes and decodes of one image (median of runs, after a warm-up that loads the model) and measures the
/// result. A peer (<see cref="TransformPeer"/>) is timed in turns with Nic, one encode (or decode) each per round, so
/// that a change in the machine's load during the run falls on both alike. The codec's stage activities
/// (<see cref="NicCodecTelemetry"/>) give the median seconds of each stage of the timed encodes and of a decode's opening.
/// </summary>
internal static class CodecBenchmark
{
    public static CodecBenchmarkResult Run(NicCodec codec, RgbImage image, NicEncodeOptions options, int runs, Action<string>? progress = null, TransformPeer? peer = null)
    {
        progress?.Invoke("warm-up encode (loads the model)");
        byte[] file = codec.Encode(image, options);
        if (peer is not null)
        {
            progress?.Invoke("warm-up encode, peer");
            peer.Encode();
        }

        using var stages = new StageTimes();
        (List<double> encodeSeconds, List<double> peerEncodeSeconds) = InTurns("encode", runs, () => file = codec.Encode(image, options), peer is null ? null : peer.Encode, progress, stages);

        progress?.Invoke("warm-up decode");
        RgbImage decoded = codec.DecodeAsync(file).GetAwaiter().GetResult();
        if (peer is not null)
        {
            progress?.Invoke("warm-up decode, peer");
            peer.Decode();
        }

        (List<double> decodeSeconds, List<double> peerDecodeSeconds) = InTurns("decode", runs, () => decoded = codec.DecodeAsync(file).GetAwaiter().GetResult(), peer is null ? null : peer.Decode, progress, stages);

        return new CodecBenchmarkResult(
            BenchStatistics.Median(encodeSeconds),
            BenchStatistics.Median(decodeSeconds),
            file,
            file.Length * 8.0 / image.PixelCount,
            ImageQuality.Psnr(image, decoded),
            peer is null ? null : new PeerBenchmarkResult(BenchStatistics.Median(peerEncodeSeconds), BenchStatistics.Median(peerDecodeSeconds), peer.PsnrDb()))
        {
            EncodeStages = stages.Medians("encode", NicCodecTelemetry.EncodeStageActivities),
            DecodeStages = stages.Medians("decode", [NicCodecTelemetry.OpenActivity]),
        };
    }

    /// <summary>Times <paramref name="runs"/> rounds of <paramref name="nic"/> and, where given, <paramref name="peer"/> right after it in the same round.</summary>
    private static (List<double> Nic, List<double> Peer) InTurns(string stage, int runs, Action nic, Action? peer, Action<string>? progress, StageTimes stages)
    {
        var nicSeconds = new List<double>();
        var peerSeconds = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            progress?.Invoke($"{stage} {run + 1}/{runs}");
            var watch = Stopwatch.StartNew();
            stages.Begin(stage);
            try
            {
                nic();
            }
            finally
            {
                stages.End();
            }

            nicSeconds.Add(watch.Elapsed.TotalSeconds);
            if (peer is not null)
            {
                progress?.Invoke($"{stage} {run + 1}/{runs}, peer");
                watch.Restart();
                peer();
                peerSeconds.Add(watch.Elapsed.TotalSeconds);
            }
        }

        return (nicSeconds, peerSeconds);
    }

    /// <summary>
    /// Sums each stage's seconds within each timed round of Nic: a round is an activity of its own, and only the codec's
    /// activities under it count (not the peer's runs, the warm-ups, nor another codec's work in the same process).
    /// </summary>
    private sealed class StageTimes : IDisposable
    {
        // The rounds' own source, made before the listener that takes it (a source made while a listener is being added
        // may miss it).
        private readonly ActivitySource _source = new("Nic.Cli.Bench.Codec");
        private readonly ActivityListener _listener;
        private readonly List<(string Round, Dictionary<string, double> Seconds)> _rounds = [];
        private readonly object _gate = new();
        private (Activity Activity, Dictionary<string, double> Seconds)? _current;
        private Activity? _ambient;

        public StageTimes()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source == _source || source.Name == NicCodecTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = Stopped,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        /// <summary>Starts a round of <paramref name="round"/> ("encode" or "decode") on the calling thread.</summary>
        public void Begin(string round)
        {
            // A root of its own, whatever activity the caller is in.
            _ambient = Activity.Current;
            Activity.Current = null;
            Activity activity = _source.StartActivity(round, ActivityKind.Internal)
                ?? throw new InvalidOperationException("the benchmark's own activity source has no listener");
            lock (_gate)
            {
                _current = (activity, new Dictionary<string, double>(StringComparer.Ordinal));
                _rounds.Add((round, _current.Value.Seconds));
            }
        }

        /// <summary>Ends the round begun last.</summary>
        public void End()
        {
            Activity? activity;
            lock (_gate)
            {
                activity = _current?.Activity;
                _current = null;
            }

            activity?.Stop();
            Activity.Current = _ambient;
        }

        /// <summary>The median over the rounds of <paramref name="round"/> of each stage's seconds in a round; a stage that ran in none is left out.</summary>
        public IReadOnlyDictionary<string, double> Medians(string round, IEnumerable<string> stages)
        {
            lock (_gate)
            {
                var rounds = _rounds.Where(r => r.Round == round).Select(r => r.Seconds).ToArray();
                var medians = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (string stage in stages.Where(stage => rounds.Any(r => r.ContainsKey(stage))))
                {
                    medians[stage] = BenchStatistics.Median([.. rounds.Select(r => r.GetValueOrDefault(stage))]);
                }

                return medians;
            }
        }

        private static bool Under(Activity activity, Activity round)
        {
            for (Activity? parent = activity.Parent; parent is not null; parent = parent.Parent)
            {
                if (ReferenceEquals(parent, round))
                {
                    return true;
                }
            }

            return false;
        }

        public void Dispose()
        {
            _listener.Dispose();
            _source.Dispose();
        }

        private void Stopped(Activity activity)
        {
            lock (_gate)
            {
                if (_current is ({ } round, { } seconds) && activity.Source != _source && Under(activity, round))
                {
                    seconds[activity.OperationName] = seconds.GetValueOrDefault(activity.OperationName) + activity.Duration.TotalSeconds;
                }
            }
        }
    }
}
