using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Nic.Codec;
using Nic.Codec.Diagnostics;
using Nic.Codec.Imaging;

namespace Nic.Service.Tests;

public sealed class ServiceTests : IClassFixture<ServiceFactory>
{
    private readonly ServiceFactory _factory;

    public ServiceTests(ServiceFactory factory) => _factory = factory;

    private NicCodec Codec => _factory.Services.GetRequiredService<NicCodec>();

    [Fact]
    public async Task AnUploadedPngComesBackAsTheStoredNicAndAsThePngOfItsDecode()
    {
        using HttpClient client = _factory.CreateClient();
        byte[] png = Images.Seeding();

        using HttpResponseMessage created = await client.PostAsync("/images?rate_point=2", Content(png));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        UploadResult result = (await created.Content.ReadFromJsonAsync<UploadResult>())!;
        Assert.Equal($"/images/{result.Id}", created.Headers.Location!.OriginalString);
        Assert.Equal((664, 374), (result.Width, result.Height));
        Assert.Equal(2, Codec.Catalog.Models.Single(m => m.Name == result.Model).RatePoint);

        using HttpResponseMessage nicResponse = await client.GetAsync(created.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, nicResponse.StatusCode);
        Assert.Equal("image/x-nic", nicResponse.Content.Headers.ContentType!.MediaType);
        byte[] nic = await nicResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal(result.Bytes, nic.Length);
        Assert.Equal(nic.Length * 8.0 / (664 * 374), result.BitsPerPixel, 9);
        Assert.Equal(Codec.Encode(Images.Pixels(png), new NicEncodeOptions { RatePoint = 2 }), nic);

        using HttpResponseMessage pngResponse = await client.GetAsync($"/images/{result.Id}.png");
        Assert.Equal(HttpStatusCode.OK, pngResponse.StatusCode);
        Assert.Equal("image/png", pngResponse.Content.Headers.ContentType!.MediaType);
        RgbImage served = Images.Pixels(await pngResponse.Content.ReadAsByteArrayAsync());
        RgbImage decoded = await Codec.DecodeAsync(nic);
        Assert.True(served.PixelsEqual(decoded));
    }

    [Fact]
    public async Task ThirtyTwoConcurrentUploadsAreByteIdenticalToSequentialEncodes()
    {
        byte[][] pngs = [.. Enumerable.Range(0, 32).Select(i => Images.CropPng(7 * i, 5 * i, 48 + (3 * i), 40 + (2 * i)))];
        byte[][] expected = [.. pngs.Select(png => Codec.Encode(Images.Pixels(png)))];
        using HttpClient client = _factory.CreateClient();

        UploadResult[] results = await Task.WhenAll(pngs.Select(async png =>
        {
            using HttpResponseMessage response = await client.PostAsync("/images", Content(png));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<UploadResult>())!;
        }));

        Assert.Equal(32, results.Select(r => r.Id).Distinct().Count());
        for (int i = 0; i < pngs.Length; i++)
        {
            Assert.Equal(expected[i], await client.GetByteArrayAsync($"/images/{results[i].Id}"));
        }
    }

    [Fact]
    public async Task JpegAndNicUploadsAreEncodedFromThePixelsTheyHold()
    {
        using HttpClient client = _factory.CreateClient();
        byte[] jpeg = Images.CropJpeg(100, 50, 80, 64);
        byte[] nic = Codec.Encode(Images.Pixels(Images.CropPng(0, 0, 48, 32)));

        using HttpResponseMessage fromJpeg = await client.PostAsync("/images", Content(jpeg));
        using HttpResponseMessage fromNic = await client.PostAsync("/images", Content(nic));

        Assert.Equal(HttpStatusCode.Created, fromJpeg.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fromNic.StatusCode);
        Assert.Equal(Codec.Encode(Images.Pixels(jpeg)), await client.GetByteArrayAsync(fromJpeg.Headers.Location));
        Assert.Equal(Codec.Encode(await Codec.DecodeAsync(nic)), await client.GetByteArrayAsync(fromNic.Headers.Location));
    }

    [Fact]
    public async Task BadImagesGet422WithTheirErrorCodeAndTheServiceGoesOn()
    {
        using HttpClient client = _factory.CreateClient();
        byte[] nic = Codec.Encode(Images.Pixels(Images.CropPng(0, 0, 64, 48)));

        await AssertProblem(await client.PostAsync("/images", Content("not an image at all"u8.ToArray())), HttpStatusCode.UnprocessableEntity, "UnsupportedImageFormat");
        byte[] png = Images.Seeding();
        await AssertProblem(await client.PostAsync("/images", Content(png[..(png.Length / 2)])), HttpStatusCode.UnprocessableEntity, "InvalidImageContent");
        await AssertProblem(await client.PostAsync("/images", Content(nic[..^9])), HttpStatusCode.UnprocessableEntity, "Truncated");

        // A stored file damaged on disk: its decode is refused before the PNG response starts.
        string id = new('a', 32);
        byte[] damaged = (byte[])nic.Clone();
        damaged[damaged.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(Path.Combine(_factory.StorageDirectory, id + ".nic"), damaged);
        using HttpResponseMessage broken = await client.GetAsync($"/images/{id}.png");
        string code = await AssertProblem(broken, HttpStatusCode.UnprocessableEntity, null);
        Nic.Format.NicException failure = await Assert.ThrowsAnyAsync<Nic.Format.NicException>(() => Codec.DecodeAsync(damaged));
        Assert.Equal(failure.ErrorCode, code);

        using HttpResponseMessage next = await client.PostAsync("/images", Content(Images.CropPng(0, 0, 32, 32)));
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
    }

    [Fact]
    public async Task ABadQueryGets400AndAnUnknownIdGets404()
    {
        using HttpClient client = _factory.CreateClient();
        byte[] png = Images.CropPng(0, 0, 16, 16);

        await AssertProblem(await client.PostAsync("/images?quality=high", Content(png)), HttpStatusCode.BadRequest, null);
        await AssertProblem(await client.PostAsync("/images?rate_point=99", Content(png)), HttpStatusCode.BadRequest, "UnknownModel");
        await AssertProblem(await client.PostAsync("/images?quality=101", Content(png)), HttpStatusCode.BadRequest, null);
        await AssertProblem(await client.PostAsync("/images", Content([])), HttpStatusCode.BadRequest, null);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/images/{new string('0', 32)}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/images/{new string('0', 32)}.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/images/..%2Fappsettings.json")).StatusCode);
    }

    [Fact]
    public async Task TheHealthCheckIsHealthy()
    {
        using HttpClient client = _factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnUploadIsMeasuredOnTheCodecsMeter()
    {
        var encodes = new ConcurrentQueue<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NicCodecTelemetry.MeterName && instrument.Name == "nic.codec.operations")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                dictionary[tag.Key] = tag.Value;
            }

            if ((string?)dictionary["nic.operation"] == "encode" && (string?)dictionary["nic.outcome"] == "success")
            {
                encodes.Enqueue((string?)dictionary["nic.model"]);
            }
        });
        listener.Start();
        using HttpClient client = _factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsync("/images", Content(Images.CropPng(0, 0, 40, 24)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        UploadResult result = (await response.Content.ReadFromJsonAsync<UploadResult>())!;
        Assert.Contains(result.Model, encodes);
    }

    internal static ByteArrayContent Content(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    /// <summary>Checks a problem-details answer and returns its <c>nic_error</c> (which must be <paramref name="code"/> when that is given).</summary>
    internal static async Task<string> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        string? actual = problem.RootElement.TryGetProperty("nic_error", out JsonElement value) ? value.GetString() : null;
        if (code is not null)
        {
            Assert.Equal(code, actual);
        }
        else if (status == HttpStatusCode.UnprocessableEntity)
        {
            Assert.False(string.IsNullOrEmpty(actual));
        }

        return actual ?? "";
    }
}

/// <summary>Limits, against the service on Kestrel (a real socket) or with settings of their own.</summary>
public sealed class ServiceLimitTests
{
    [Fact]
    public async Task ATwoGigabyteContentLengthIsRefusedWith413BeforeTheBodyIsRead()
    {
        // The service as Program builds it, on Kestrel at a free port (a real socket). WebApplicationFactory's
        // UseKestrel races the entry point, which may start the server before the factory sets its port
        // ("IServerAddressesFeature.Addresses cannot be modified after the server has started", one CI rehearsal).
        string storage = Directory.CreateTempSubdirectory("nic-service-").FullName;
        WebApplication app = ServiceHost.Build([$"--Service:StorageDirectory={storage}", "--Service:ConsoleTelemetry=false", "--urls=http://127.0.0.1:0"]);
        try
        {
            await app.StartAsync();
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(5) }) { BaseAddress = new Uri(address) };
            var body = new UnreadableStream();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/images") { Content = new StreamContent(body) };
            request.Content.Headers.ContentLength = 2L << 30;
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            request.Headers.ExpectContinue = true;

            using HttpResponseMessage response = await client.SendAsync(request);

            await ServiceTests.AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, null);
            Assert.False(body.WasRead);
            using HttpResponseMessage health = await client.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(storage, recursive: true);
        }
    }

    [Fact]
    public async Task AnUploadOverTheDecodePixelLimitGets422ResourceLimitExceeded()
    {
        using var factory = new ServiceFactory(new() { ["Nic:MaxDecodePixels"] = "1000" });
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsync("/images", ServiceTests.Content(Images.CropPng(0, 0, 40, 30)));

        await ServiceTests.AssertProblem(response, HttpStatusCode.UnprocessableEntity, "ResourceLimitExceeded");
    }

    [Fact]
    public async Task AChunkedUploadOverTheConfiguredLimitGets413()
    {
        using var factory = new ServiceFactory(new() { ["Service:MaxUploadBytes"] = "1000" });
        using HttpClient client = factory.CreateClient();
        var content = new StreamContent(new MemoryStream(Images.CropPng(0, 0, 64, 64)));
        content.Headers.ContentLength = null;

        using HttpResponseMessage response = await client.PostAsync("/images", content);

        await ServiceTests.AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, null);
    }

    // Built and started as Program does (on Kestrel, where the server's limits read the Service settings while the
    // application is built). Not through WebApplicationFactory: it starts the host on the entry point's thread and,
    // when the start fails, may read the host's services after the entry point disposed them, so that CreateClient
    // now and then throws ObjectDisposedException instead of the validation failure.
    [Theory]
    [InlineData("Service:MaxConcurrentOperations", "0", "invalid Service settings")]
    [InlineData("Nic:BandRows", "0", "BandRows must be 1")]
    public async Task InvalidSettingsStopTheHostAtStart(string key, string value, string expected)
    {
        string storage = Directory.CreateTempSubdirectory("nic-service-").FullName;
        WebApplication? app = null;
        try
        {
            var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
            {
                app = ServiceHost.Build(
                    [$"--{key}={value}", $"--Service:StorageDirectory={storage}", "--Service:ConsoleTelemetry=false", "--urls=http://127.0.0.1:0"]);
                await app.StartAsync();
            });

            Assert.Contains(failure.Failures, f => f.Contains(expected, StringComparison.Ordinal));
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            Directory.Delete(storage, recursive: true);
        }
    }

    [Fact]
    public async Task WithOneOperationAtATimeConcurrentUploadsAllSucceed()
    {
        using var factory = new ServiceFactory(new() { ["Service:MaxConcurrentOperations"] = "1" });
        using HttpClient client = factory.CreateClient();

        HttpStatusCode[] statuses = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            using HttpResponseMessage response = await client.PostAsync("/images", ServiceTests.Content(Images.CropPng(10 * i, 0, 32, 32)));
            return response.StatusCode;
        }));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Created, status));
        Assert.Equal(6, Directory.GetFiles(factory.StorageDirectory, "*.nic").Length);
    }

    private sealed class UnreadableStream : Stream
    {
        public bool WasRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            WasRead = true;
            throw new InvalidOperationException("the body was read");
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            WasRead = true;
            throw new InvalidOperationException("the body was read");
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
