using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Nic.Service;

/// <summary>
/// <c>--bench IMAGE [--clients 1,32] [--requests N] [--quality Q]</c>: starts the service on 127.0.0.1 (an ephemeral
/// port, a temporary store deleted afterwards) and, for each client count, uploads the image N times (N ≥ clients,
/// default 64) from that many concurrent HttpClient tasks after one warm-up upload, then prints requests per second.
/// Every upload is an encode; a response other than 201 stops the run.
/// </summary>
internal static class ServiceBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? image = null;
        int[] clients = [1, 32];
        int requests = 64;
        string query = "";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--clients" when i + 1 < args.Length:
                    clients = [.. args[++i].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))];
                    break;
                case "--requests" when i + 1 < args.Length:
                    requests = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--quality" when i + 1 < args.Length:
                    query = "?quality=" + double.Parse(args[++i], CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
                    break;
                default:
                    image ??= args[i];
                    break;
            }
        }

        if (image is not null && !File.Exists(image))
        {
            await Console.Error.WriteLineAsync($"no such file: {Path.GetFullPath(image)} (dotnet run starts in the project's directory; give an absolute path)");
            return 2;
        }

        if (image is null || clients.Any(c => c is < 1 or > 256) || requests is < 1 or > 10000)
        {
            await Console.Error.WriteLineAsync("usage: --bench IMAGE [--clients 1,32 (1…256 each)] [--requests N (1…10000)] [--quality Q]");
            return 2;
        }

        byte[] upload = await File.ReadAllBytesAsync(image);
        string store = Directory.CreateTempSubdirectory("nic-service-bench-").FullName;
        try
        {
            WebApplication app = ServiceHost.Build(
                ["--urls", "http://127.0.0.1:0", "--Service:StorageDirectory", store, "--Service:ConsoleTelemetry", "false", "--Logging:LogLevel:Default", "Warning"]);
            await app.StartAsync();
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(10) };
            await UploadAsync(client, upload, query);
            Console.WriteLine($"service bench: {Path.GetFileName(image)} ({upload.Length:N0} bytes), uploads (= encodes) to {address}, {Environment.ProcessorCount} processors");
            foreach (int concurrency in clients)
            {
                int total = Math.Max(requests, concurrency);
                int next = 0;
                long start = Stopwatch.GetTimestamp();
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
                {
                    while (Interlocked.Increment(ref next) <= total)
                    {
                        await UploadAsync(client, upload, query);
                    }
                }));
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clients {concurrency,3}: {total} requests in {seconds:F2} s = {total / seconds:F2} requests/s, mean latency {seconds * concurrency / total * 1000:F0} ms"));
            }

            await app.StopAsync();
            return 0;
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    private static async Task UploadAsync(HttpClient client, byte[] upload, string query)
    {
        using var content = new ByteArrayContent(upload);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using HttpResponseMessage response = await client.PostAsync("/images" + query, content);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
