# One image holds every ApiLed service; compose.yaml picks the service with its command.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN for project in \
      gateway/ApiLed.Gateway \
      experience-api/ApiLed.ExperienceApi \
      process-api/ApiLed.ProcessApi \
      system-apis/inventory/ApiLed.Inventory.Api \
      system-apis/billing/ApiLed.Billing.Api \
      system-apis/shipping/ApiLed.Shipping.Api \
      system-apis/risk/ApiLed.Risk.Api; do \
      dotnet publish "$project" -c Release -o "/app/$(basename "$project")" || exit 1; \
    done

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    DOTNET_NOLOGO=1
VOLUME /data
EXPOSE 8080
