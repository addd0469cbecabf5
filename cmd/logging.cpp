#include "cmd/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace herald {

bool setup_logging(const std::string& level, const std::string& file, std::string& error) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (file.empty())
      logger = spdlog::stderr_logger_mt("herald");
    else
      logger = spdlog::basic_logger_mt("herald", file);
  } catch (const spdlog::spdlog_ex& e) {
    error = e.what();
    return false;
  }
  // UTC timestamps, level as a key, then the message with its own key=value pairs.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  logger->set_level(level == "none" ? spdlog::level::off : spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return true;
}

}  // namespace herald
