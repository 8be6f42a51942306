using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Format;

namespace Nic.Service;

/// <summary>The image endpoints: upload (encode), download as <c>.nic</c>, download as PNG (streaming decode).</summary>
public static class ImageEndpoints
{
    /// <summary>The media type of a <c>.nic</c> file.</summary>
    public const string NicContentType = "image/x-nic";

    /// <summary>The problem-details extension that carries the error code.</summary>
    public const string ErrorCodeExtension = "nic_error";

    /// <summary>Maps <c>POST /images</c>, <c>GET /images/{id}</c> and <c>GET /images/{id}.png</c>.</summary>
    public static IEndpointRouteBuilder MapImageEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/images", UploadAsync);
        endpoints.MapGet("/images/{id}.png", DownloadPngAsync);
        endpoints.MapGet("/images/{id}", DownloadNic);
        return endpoints;
    }

    /// <summary>
    /// Takes a PNG, JPEG or <c>.nic</c> body, encodes it with the codec (quality 0–100 from <c>?quality=</c> or a trained point from <c>?rate_point=</c>, else the
    /// configured default) and stores the <c>.nic</c>: 201 with its id and Location. 400 for a bad quality, 413 for a
    /// body over the limit (refused from its Content-Length before it is read), 422 for an image that cannot be taken.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext context, NicCodec codec, UploadDecoder decoder, ImageStore store, OperationGate gate, IOptions<ServiceOptions> options)
    {
        CancellationToken cancellationToken = context.RequestAborted;
        HttpRequest request = context.Request;
        long limit = options.Value.MaxUploadBytes;
        double? quality = null;
        int? ratePoint = null;
        if (request.Query.TryGetValue("quality", out Microsoft.Extensions.Primitives.StringValues values))
        {
            if (values.Count != 1 || !double.TryParse(values[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || value > 100)
            {
                return Problem(StatusCodes.Status400BadRequest, "Bad quality", $"quality must be one number from 0 to 100, not '{values}'", null);
            }

            quality = value;
        }

        if (request.Query.TryGetValue("rate_point", out Microsoft.Extensions.Primitives.StringValues points))
        {
            if (points.Count != 1 || !int.TryParse(points[0], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || quality is not null)
            {
                return Problem(StatusCodes.Status400BadRequest, "Bad quality", $"rate_point must be one whole number (a trained rate point), without quality, not '{points}'", null);
            }

            ratePoint = value;
        }

        var encodeOptions = new NicEncodeOptions { Quality = quality, RatePoint = ratePoint };
        NicModelEntry model;
        try
        {
            model = codec.ResolveModel(encodeOptions);
        }
        catch (NicCodecException exception) when (exception.Error == NicCodecError.UnknownModel)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad quality", exception.Message, exception.ErrorCode);
        }

        if (request.ContentLength > limit)
        {
            return TooLarge(request.ContentLength.Value, limit);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        using var body = new MemoryStream((int)Math.Min(request.ContentLength ?? (1 << 16), limit));
        try
        {
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (body.Length + read > limit)
                {
                    return TooLarge(body.Length + read, limit);
                }

                body.Write(buffer, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(request.ContentLength ?? limit + 1, limit);
        }
        catch (BadHttpRequestException exception)
        {
            // The body broke off or arrived too slowly (Kestrel's minimum data rate): 400 or 408, never a 500.
            return Problem(exception.StatusCode, "Unreadable request body", exception.Message, null);
        }

        if (body.Length == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "No image", "the request has no body: send a PNG, JPEG or .nic image", null);
        }

        body.Position = 0;
        using IDisposable slot = await gate.EnterAsync(cancellationToken);
        RgbImage image;
        try
        {
            image = decoder.Decode(body);
        }
        catch (UploadException exception)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "Unusable image", exception.Message, exception.ErrorCode);
        }

        using var encoded = new MemoryStream();
        NicEncodeResult result;
        try
        {
            result = await codec.EncodeAsync(image, encoded, encodeOptions, cancellationToken);
        }
        catch (NicException exception)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "Cannot encode", exception.Message, exception.ErrorCode);
        }

        string id = await store.SaveAsync(encoded.GetBuffer().AsMemory(0, (int)encoded.Length), cancellationToken);
        return Results.Created($"/images/{id}", new UploadResult(id, result.Bytes, result.BitsPerPixel, image.Width, image.Height, model.Name));
    }

    /// <summary>The stored <c>.nic</c> file, as <see cref="NicContentType"/>.</summary>
    private static IResult DownloadNic(string id, ImageStore store)
    {
        if (!ImageStore.IsValidId(id) || !File.Exists(store.PathOf(id)))
        {
            return NotFound(id);
        }

        return Results.File(store.PathOf(id), NicContentType, enableRangeProcessing: true);
    }

    /// <summary>
    /// Decodes the stored file row by row straight into a PNG response: the first rows are decoded before the response
    /// starts, so a file that cannot be decoded gets 422; a failure later aborts the response (never a complete-looking PNG).
    /// </summary>
    private static async Task<IResult> DownloadPngAsync(string id, HttpContext context, NicCodec codec, ImageStore store, OperationGate gate, ILoggerFactory loggers)
    {
        CancellationToken cancellationToken = context.RequestAborted;
        FileStream? file = store.OpenRead(id);
        if (file is null)
        {
            return NotFound(id);
        }

        await using (file)
        {
            using IDisposable slot = await gate.EnterAsync(cancellationToken);
            NicRowDecoder decoder;
            try
            {
                decoder = await codec.OpenAsync(file, cancellationToken);
            }
            catch (NicException exception)
            {
                return Problem(StatusCodes.Status422UnprocessableEntity, "Cannot decode", exception.Message, exception.ErrorCode);
            }

            await using (decoder)
            {
                IAsyncEnumerator<RgbRowBlock> rows = decoder.ReadRowsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                await using (rows)
                {
                    bool more;
                    try
                    {
                        more = await rows.MoveNextAsync();
                    }
                    catch (NicException exception)
                    {
                        return Problem(StatusCodes.Status422UnprocessableEntity, "Cannot decode", exception.Message, exception.ErrorCode);
                    }

                    HttpResponse response = context.Response;
                    response.ContentType = "image/png";
                    await using var png = new PngRowWriter(response.Body, decoder.Info.Width, decoder.Info.Height);
                    try
                    {
                        await png.WriteHeaderAsync(cancellationToken);
                        while (more)
                        {
                            RgbRowBlock block = rows.Current;
                            for (int row = 0; row < block.RowCount; row++)
                            {
                                png.WriteRow(block.GetRow(row));
                            }

                            await png.FlushAsync(cancellationToken);
                            more = await rows.MoveNextAsync();
                        }

                        await png.CompleteAsync(cancellationToken);
                    }
                    catch (NicException exception)
                    {
                        loggers.CreateLogger(typeof(ImageEndpoints)).LogError(exception, "Decoding image {Id} failed after the response started ({ErrorCode}); the response is aborted", id, exception.ErrorCode);
                        context.Abort();
                    }

                    return Results.Empty;
                }
            }
        }
    }

    private static IResult NotFound(string id) => Problem(StatusCodes.Status404NotFound, "No such image", $"there is no image '{id}'", null);

    private static IResult TooLarge(long bytes, long limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the upload is {bytes:N0} bytes, above the limit of {limit:N0} (Service:MaxUploadBytes)", null);

    private static IResult Problem(int status, string title, string detail, string? errorCode) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: errorCode is null ? null : new Dictionary<string, object?> { [ErrorCodeExtension] = errorCode });
}

/// <summary>The body of a 201 answer to an upload.</summary>
/// <param name="Id">The stored image's id.</param>
/// <param name="Bytes">The length of the <c>.nic</c> file.</param>
/// <param name="BitsPerPixel">Bits per pixel of the <c>.nic</c> file.</param>
/// <param name="Width">The image width.</param>
/// <param name="Height">The image height.</param>
/// <param name="Model">The model that encoded it.</param>
public sealed record UploadResult(string Id, long Bytes, double BitsPerPixel, int Width, int Height, string Model);
