using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Nic.Codec.Diagnostics;
using Nic.Codec.Imaging;
using Nic.Codec.Tests.Pipeline;
using Nic.Format;

namespace Nic.Codec.Tests.Diagnostics;

/// <summary>
/// The codec's meter and activity source as a listener sees them. The listeners are process-wide, so these tests run
/// alone (<see cref="SoloCollection"/>) and look only at measurements of their own test model.
/// </summary>
[Collection(nameof(SoloCollection))]
public sealed class NicCodecTelemetryTests
{
    private const string Model = "test-mean-q2";

    [Fact]
    public async Task OneEncodeAndOneDecodeAreMeasuredWithTheirTagsAndActivities()
    {
        using var telemetry = new Recorder();
        NicCodec codec = PipelineFixtures.Codec();
        RgbImage image = PipelineFixtures.Photo(48, 40);
        byte[] file = codec.Encode(image);
        RgbImage decoded = await codec.DecodeAsync(file);
        Assert.Equal(48, decoded.Width);

        Measurement encode = Assert.Single(telemetry.Of("nic.codec.operations", "encode"));
        Assert.Equal(1, encode.Value);
        Assert.Equal("success", encode.Tags["nic.outcome"]);
        Assert.Equal(Model, encode.Tags["nic.model"]);
        Assert.False(encode.Tags.ContainsKey("error.type"));
        Measurement decode = Assert.Single(telemetry.Of("nic.codec.operations", "decode"));
        Assert.Equal("success", decode.Tags["nic.outcome"]);
        Assert.Equal(Model, decode.Tags["nic.model"]);

        Assert.Equal(48 * 40 * 3, Assert.Single(telemetry.Of("nic.codec.bytes_in", "encode")).Value);
        Assert.Equal(file.Length, Assert.Single(telemetry.Of("nic.codec.bytes_out", "encode")).Value);
        Assert.Equal(file.Length, Assert.Single(telemetry.Of("nic.codec.bytes_in", "decode")).Value);
        Assert.Equal(48 * 40 * 3, Assert.Single(telemetry.Of("nic.codec.bytes_out", "decode")).Value);
        Assert.InRange(Assert.Single(telemetry.Of("nic.codec.operation.duration", "encode")).Value, 0, 600);
        Assert.InRange(Assert.Single(telemetry.Of("nic.codec.operation.duration", "decode")).Value, 0, 600);
        Assert.Empty(telemetry.Of("nic.codec.errors", "encode"));
        Assert.Empty(telemetry.Of("nic.codec.errors", "decode"));

        Activity encodeActivity = Assert.Single(telemetry.Activities("nic.encode"));
        Assert.Equal(Model, encodeActivity.GetTagItem("nic.model"));
        Assert.Equal(48, encodeActivity.GetTagItem("nic.width"));
        Assert.Equal((long)file.Length, encodeActivity.GetTagItem("nic.bytes"));
        Assert.Equal(ActivityStatusCode.Unset, encodeActivity.Status);
        Activity decodeActivity = Assert.Single(telemetry.Activities("nic.decode"));
        Assert.Equal("success", decodeActivity.GetTagItem("nic.outcome"));
        Activity open = Assert.Single(telemetry.Activities("nic.open"));
        Assert.Equal(decodeActivity.SpanId, open.ParentSpanId);

        // The encode's stages are its children, one after another, within it.
        Activity[] stages = [.. new[] { "nic.analysis", "nic.hyper_analysis", "nic.hyper_synthesis", "nic.bands" }.Select(name => Assert.Single(telemetry.Activities(name)))];
        Assert.All(stages, stage => Assert.Equal(encodeActivity.SpanId, stage.ParentSpanId));
        for (int i = 1; i < stages.Length; i++)
        {
            Assert.True(stages[i - 1].StartTimeUtc + stages[i - 1].Duration <= stages[i].StartTimeUtc, $"{stages[i - 1].OperationName} overlaps {stages[i].OperationName}");
        }

        Assert.True(stages.Sum(stage => stage.Duration.Ticks) <= encodeActivity.Duration.Ticks);
        Assert.Empty(telemetry.Activities("nic.latent_search"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AStageThatFailsEndsWithItsFailureAndTheStagesBeforeItDoNot(bool cancelled)
    {
        using var telemetry = new Recorder();
        var codec = new NicCodec(PipelineFixtures.Catalog(), new NicCodecOptions { IncludeShippedModels = false, DefaultModel = Model, LatentOptimizer = new Failing(cancelled) });

        Exception failure = Assert.ThrowsAny<Exception>(() => codec.Encode(PipelineFixtures.Photo(48, 40), new NicEncodeOptions { Effort = 2 }));

        Activity search = Assert.Single(telemetry.Activities("nic.latent_search"));
        Activity encode = Assert.Single(telemetry.Activities("nic.encode"));
        Assert.Equal(encode.SpanId, search.ParentSpanId);
        Assert.Equal(cancelled ? "cancelled" : "error", search.GetTagItem("nic.outcome"));
        Assert.Equal(cancelled ? ActivityStatusCode.Unset : ActivityStatusCode.Error, search.Status);
        Assert.Equal(cancelled ? null : typeof(InvalidOperationException).FullName, search.GetTagItem("error.type"));
        Assert.Equal(cancelled ? null : failure.Message, search.StatusDescription);
        Assert.Equal(search.GetTagItem("nic.outcome"), encode.GetTagItem("nic.outcome"));

        // The stages before it ended as they ran; none after it started.
        foreach (string name in new[] { "nic.analysis", "nic.hyper_analysis" })
        {
            Activity stage = Assert.Single(telemetry.Activities(name));
            Assert.Equal(ActivityStatusCode.Unset, stage.Status);
            Assert.Null(stage.GetTagItem("nic.outcome"));
        }

        Assert.Empty(telemetry.Activities("nic.hyper_synthesis"));
        Assert.Empty(telemetry.Activities("nic.bands"));
    }

    [Fact]
    public async Task AFailingDecodeIsCountedUnderItsErrorCode()
    {
        using var telemetry = new Recorder();
        NicCodec codec = PipelineFixtures.Codec();
        byte[] file = codec.Encode(PipelineFixtures.Photo(48, 40));
        byte[] damaged = file[..^7];

        NicException failure = await Assert.ThrowsAnyAsync<NicException>(() => codec.DecodeAsync(damaged));

        Measurement error = Assert.Single(telemetry.Of("nic.codec.errors", "decode"));
        Assert.Equal(failure.ErrorCode, error.Tags["error.type"]);
        Measurement decode = Assert.Single(telemetry.Of("nic.codec.operations", "decode"));
        Assert.Equal("error", decode.Tags["nic.outcome"]);
        Assert.Equal(failure.ErrorCode, decode.Tags["error.type"]);
        Activity activity = Assert.Single(telemetry.Activities("nic.decode"));
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Equal(failure.ErrorCode, activity.GetTagItem("error.type"));
    }

    [Fact]
    public async Task AFileRefusedAtItsOpeningEndsNicOpenWithItsError()
    {
        using var telemetry = new Recorder();
        byte[] file = PipelineFixtures.Codec().Encode(PipelineFixtures.Photo(48, 40));
        file[0] ^= 0xFF;

        NicException failure = await Assert.ThrowsAnyAsync<NicException>(() => PipelineFixtures.Codec().DecodeAsync(file));

        Activity open = Assert.Single(telemetry.Activities("nic.open"));
        Assert.Equal(Assert.Single(telemetry.Activities("nic.decode")).SpanId, open.ParentSpanId);
        Assert.Equal("error", open.GetTagItem("nic.outcome"));
        Assert.Equal(failure.ErrorCode, open.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, open.Status);
    }

    [Fact]
    public async Task AFileRefusedByTheDecodeLimitsIsCountedAsResourceLimitExceeded()
    {
        using var telemetry = new Recorder();
        byte[] file = PipelineFixtures.Codec().Encode(PipelineFixtures.Photo(48, 40));
        var limited = new NicCodec(PipelineFixtures.Catalog(), new NicCodecOptions { IncludeShippedModels = false, DefaultModel = Model, MaxDecodePixels = 100 });

        var failure = await Assert.ThrowsAsync<NicCodecException>(() => limited.DecodeAsync(file));

        Assert.Equal(NicCodecError.ResourceLimitExceeded, failure.Error);
        Measurement error = Assert.Single(telemetry.Of("nic.codec.errors", "decode"));
        Assert.Equal("ResourceLimitExceeded", error.Tags["error.type"]);
    }

    [Fact]
    public async Task ADecoderDisposedBeforeItsRowsAreReadIsCountedAsAbandonedAndIdentifyHasItsOwnOperation()
    {
        using var telemetry = new Recorder();
        NicCodec codec = PipelineFixtures.Codec();
        byte[] file = codec.Encode(PipelineFixtures.Photo(48, 40));
        await using (await codec.OpenAsync(new MemoryStream(file)))
        {
        }

        NicImageInfo info = await codec.IdentifyAsync(file);

        Assert.Equal("abandoned", Assert.Single(telemetry.Of("nic.codec.operations", "decode")).Tags["nic.outcome"]);
        Assert.Equal("success", Assert.Single(telemetry.Of("nic.codec.operations", "identify")).Tags["nic.outcome"]);
        Assert.Equal(info.Width, Assert.Single(telemetry.Activities("nic.identify")).GetTagItem("nic.width"));
    }

    private sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>A latent search that fails: cancelled, or with an error of its own.</summary>
    private sealed class Failing(bool cancelled) : ILatentOptimizer
    {
        public string Name => "failing";

        public NicLatents Optimize(NicLatentProblem problem, CancellationToken cancellationToken) =>
            throw (cancelled ? new OperationCanceledException() : new InvalidOperationException("the search failed"));
    }

    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _meters = new();
        private readonly ActivityListener _activities;
        private readonly ConcurrentQueue<Measurement> _measurements = new();
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public Recorder()
        {
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == NicCodecTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _meters.Start();
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == NicCodecTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_activities);
        }

        public IEnumerable<Measurement> Of(string instrument, string operation) =>
            _measurements.Where(m => m.Instrument == instrument && (string?)m.Tags["nic.operation"] == operation && (!m.Tags.TryGetValue("nic.model", out object? model) || (string?)model == Model));

        public IEnumerable<Activity> Activities(string name) => _stopped.Where(a => a.OperationName == name);

        public void Dispose()
        {
            _meters.Dispose();
            _activities.Dispose();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                dictionary[tag.Key] = tag.Value;
            }

            _measurements.Enqueue(new Measurement(instrument.Name, value, dictionary));
        }
    }
}
