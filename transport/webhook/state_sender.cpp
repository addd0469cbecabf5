#include "transport/webhook/state_sender.hpp"

#include "proto/state/state_json.hpp"
#include "transport/webhook/grpc_state_sender.hpp"

namespace herald {

void HttpStateSender::send(ChannelStateBatch batch, Done done) {
  client_->post(state::encode_json(batch), [done = std::move(done)](HttpAnswer answer) {
    if (answer.status == 0) return done(Result{false, std::move(answer.error)});
    done(state::judge_http_answer(answer.status, answer.body));
  });
}

StateSenderOrError make_state_sender(boost::asio::io_context& ioc, StateSenderOptions options) {
  std::string error;
  auto ep = parse_proxy_endpoint(options.endpoint, &error);
  if (!ep) return {nullptr, "endpoint " + error};
  if (ep->scheme == ProxyEndpoint::Scheme::grpc) {
    GrpcClientOptions g;
    g.timeout = options.timeout;
    g.tls_enabled = options.grpc_tls;
    g.tls = std::move(options.tls);
    g.credentials_key = std::move(options.grpc_credentials_key);
    g.credentials_value = std::move(options.grpc_credentials_value);
    g.compression = options.grpc_compression;
    g.metadata = std::move(options.headers);
    auto sender = GrpcStateSender::create(options.endpoint, std::move(g), &error);
    return {std::move(sender), std::move(error)};
  }
  HttpClientOptions h;
  h.timeout = options.timeout;
  h.connect_timeout = options.timeout;
  h.headers = std::move(options.headers);
  h.tls = std::move(options.tls);
  h.max_connections = options.max_connections;
  auto client = HttpPostClient::create(ioc, options.endpoint, std::move(h), &error);
  if (!client) return {nullptr, std::move(error)};
  return {std::make_shared<HttpStateSender>(std::move(client)), {}};
}

}  // namespace herald
