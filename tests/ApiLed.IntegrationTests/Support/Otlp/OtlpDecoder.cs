namespace ApiLed.IntegrationTests.Support.Otlp;

/// <summary>Decodes OTLP/HTTP protobuf export requests (traces, logs, metrics) into what the tests assert on.</summary>
public static class OtlpDecoder
{
    public static List<ReceivedSpan> Spans(byte[] request)
    {
        var spans = new List<ReceivedSpan>();
        var reader = new ProtoReader(request);
        while (reader.Next())
        {
            if (reader.Field != 1)
            {
                reader.Skip();
                continue;
            }

            var resourceSpans = new ProtoReader(reader.ReadBytes());
            var service = "";
            var scopes = new List<byte[]>();
            while (resourceSpans.Next())
            {
                switch (resourceSpans.Field)
                {
                    case 1: service = ServiceName(resourceSpans.ReadBytes()); break;
                    case 2: scopes.Add(resourceSpans.ReadBytes().ToArray()); break;
                    default: resourceSpans.Skip(); break;
                }
            }

            foreach (var scope in scopes)
            {
                ReadScopeSpans(scope, service, spans);
            }
        }

        return spans;
    }

    public static List<ReceivedLogRecord> Logs(byte[] request)
    {
        var records = new List<ReceivedLogRecord>();
        var reader = new ProtoReader(request);
        while (reader.Next())
        {
            if (reader.Field != 1)
            {
                reader.Skip();
                continue;
            }

            var resourceLogs = new ProtoReader(reader.ReadBytes());
            var service = "";
            var scopes = new List<byte[]>();
            while (resourceLogs.Next())
            {
                switch (resourceLogs.Field)
                {
                    case 1: service = ServiceName(resourceLogs.ReadBytes()); break;
                    case 2: scopes.Add(resourceLogs.ReadBytes().ToArray()); break;
                    default: resourceLogs.Skip(); break;
                }
            }

            foreach (var scope in scopes)
            {
                var scopeLogs = new ProtoReader(scope);
                while (scopeLogs.Next())
                {
                    if (scopeLogs.Field == 2)
                    {
                        records.Add(ReadLogRecord(scopeLogs.ReadBytes(), service));
                    }
                    else
                    {
                        scopeLogs.Skip();
                    }
                }
            }
        }

        return records;
    }

    /// <summary>The names of the metrics in an export request, with the service that sent them.</summary>
    public static List<(string Service, string Metric)> MetricNames(byte[] request)
    {
        var names = new List<(string, string)>();
        var reader = new ProtoReader(request);
        while (reader.Next())
        {
            if (reader.Field != 1)
            {
                reader.Skip();
                continue;
            }

            var resourceMetrics = new ProtoReader(reader.ReadBytes());
            var service = "";
            var scopes = new List<byte[]>();
            while (resourceMetrics.Next())
            {
                switch (resourceMetrics.Field)
                {
                    case 1: service = ServiceName(resourceMetrics.ReadBytes()); break;
                    case 2: scopes.Add(resourceMetrics.ReadBytes().ToArray()); break;
                    default: resourceMetrics.Skip(); break;
                }
            }

            foreach (var scope in scopes)
            {
                var scopeMetrics = new ProtoReader(scope);
                while (scopeMetrics.Next())
                {
                    if (scopeMetrics.Field != 2)
                    {
                        scopeMetrics.Skip();
                        continue;
                    }

                    var metric = new ProtoReader(scopeMetrics.ReadBytes());
                    while (metric.Next())
                    {
                        if (metric.Field == 1)
                        {
                            names.Add((service, metric.ReadString()));
                        }
                        else
                        {
                            metric.Skip();
                        }
                    }
                }
            }
        }

        return names;
    }

    private static void ReadScopeSpans(byte[] bytes, string service, List<ReceivedSpan> spans)
    {
        var reader = new ProtoReader(bytes);
        var scopeName = "";
        var spanBytes = new List<byte[]>();
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1:
                    var scope = new ProtoReader(reader.ReadBytes());
                    while (scope.Next())
                    {
                        if (scope.Field == 1)
                        {
                            scopeName = scope.ReadString();
                        }
                        else
                        {
                            scope.Skip();
                        }
                    }

                    break;
                case 2: spanBytes.Add(reader.ReadBytes().ToArray()); break;
                default: reader.Skip(); break;
            }
        }

        spans.AddRange(spanBytes.Select(s => ReadSpan(s, service, scopeName)));
    }

    private static ReceivedSpan ReadSpan(byte[] bytes, string service, string scope)
    {
        var reader = new ProtoReader(bytes);
        string traceId = "", spanId = "", parent = "", name = "", state = "";
        int kind = 0, status = 0;
        ulong start = 0, end = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 2: spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 3: state = reader.ReadString(); break;
                case 4: parent = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 5: name = reader.ReadString(); break;
                case 6: kind = (int)reader.ReadVarint(); break;
                case 7: start = reader.ReadFixed64(); break;
                case 8: end = reader.ReadFixed64(); break;
                case 9: AddAttribute(reader.ReadBytes(), attributes); break;
                case 15:
                    var statusReader = new ProtoReader(reader.ReadBytes());
                    while (statusReader.Next())
                    {
                        if (statusReader.Field == 3)
                        {
                            status = (int)statusReader.ReadVarint();
                        }
                        else
                        {
                            statusReader.Skip();
                        }
                    }

                    break;
                default: reader.Skip(); break;
            }
        }

        return new ReceivedSpan(service, scope, traceId, spanId, parent, name, kind, FromNanos(start), FromNanos(end), attributes, status, state);
    }

    private static ReceivedLogRecord ReadLogRecord(ReadOnlySpan<byte> bytes, string service)
    {
        var reader = new ProtoReader(bytes);
        string body = "", severity = "", traceId = "", spanId = "";
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 3: severity = reader.ReadString(); break;
                case 5: body = AnyValue(reader.ReadBytes()); break;
                case 6: AddAttribute(reader.ReadBytes(), attributes); break;
                case 9: traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case 10: spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                default: reader.Skip(); break;
            }
        }

        return new ReceivedLogRecord(service, body, severity, traceId, spanId, attributes);
    }

    private static string ServiceName(ReadOnlySpan<byte> resource)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new ProtoReader(resource);
        while (reader.Next())
        {
            if (reader.Field == 1)
            {
                AddAttribute(reader.ReadBytes(), attributes);
            }
            else
            {
                reader.Skip();
            }
        }

        return attributes.GetValueOrDefault("service.name", "");
    }

    private static void AddAttribute(ReadOnlySpan<byte> keyValue, Dictionary<string, string> attributes)
    {
        var reader = new ProtoReader(keyValue);
        string key = "", value = "";
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: key = reader.ReadString(); break;
                case 2: value = AnyValue(reader.ReadBytes()); break;
                default: reader.Skip(); break;
            }
        }

        attributes[key] = value;
    }

    private static string AnyValue(ReadOnlySpan<byte> any)
    {
        var reader = new ProtoReader(any);
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: return reader.ReadString();
                case 2: return reader.ReadVarint() != 0 ? "true" : "false";
                case 3: return ((long)reader.ReadVarint()).ToString(System.Globalization.CultureInfo.InvariantCulture);
                case 4: return reader.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture);
                default: reader.Skip(); break;
            }
        }

        return "";
    }

    private static DateTimeOffset FromNanos(ulong nanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));
}
