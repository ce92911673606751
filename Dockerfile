FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY idp ./idp
COPY config ./config
RUN pip install --no-cache-dir . && useradd --system idp
USER idp
EXPOSE 5000
CMD ["idp", "serve", "--host", "0.0.0.0", "--port", "5000"]
