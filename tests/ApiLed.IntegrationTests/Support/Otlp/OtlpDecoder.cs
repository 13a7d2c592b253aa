namespace ApiLed.IntegrationTests.Support.Otlp;

/// <summary>Decodes OTLP/HTTP protobuf export requests (traces, logs, metrics) into what the tests assert on.</summary>
public static class OtlpDecoder
{
    public static List<ReceivedSpan> Spans(byte[] request)
    {
        var spans = new List<ReceivedSpan>();
        ForEachScope(request, (service, scope) => ReadScopeSpans(scope, service, spans));
        return spans;
    }

    public static List<ReceivedLogRecord> Logs(byte[] request)
    {
        var records = new List<ReceivedLogRecord>();
        ForEachScope(request, (service, scope) =>
        {
            foreach (var record in Fields(scope, 2))
            {
                records.Add(ReadLogRecord(record, service));
            }
        });
        return records;
    }

    /// <summary>The names of the metrics in an export request, with the service that sent them.</summary>
    public static List<(string Service, string Metric)> MetricNames(byte[] request)
    {
        var names = new List<(string, string)>();
        ForEachScope(request, (service, scope) =>
        {
            foreach (var metric in Fields(scope, 2))
            {
                names.AddRange(Fields(metric, 1).Select(name => (service, System.Text.Encoding.UTF8.GetString(name))));
            }
        });
        return names;
    }

    /// <summary>
    /// Every request has the same outer shape: resource entries (field 1), each a resource (field 1, whose attributes name
    /// the service) and scope entries (field 2) holding the spans, log records or metrics.
    /// </summary>
    private static void ForEachScope(byte[] request, Action<string, byte[]> scope)
    {
        foreach (var resource in Fields(request, 1))
        {
            var service = Fields(resource, 1).Select(ServiceName).FirstOrDefault() ?? "";
            foreach (var entry in Fields(resource, 2))
            {
                scope(service, entry);
            }
        }
    }

    /// <summary>The length-delimited fields numbered <paramref name="field"/> of a message, in order.</summary>
    private static List<byte[]> Fields(byte[] message, int field)
    {
        var found = new List<byte[]>();
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            if (reader.Field == field && reader.WireType == 2)
            {
                found.Add(reader.ReadBytes().ToArray());
            }
            else
            {
                reader.Skip();
            }
        }

        return found;
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

    private static ReceivedLogRecord ReadLogRecord(byte[] bytes, string service)
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

    private static string ServiceName(byte[] resource)
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
