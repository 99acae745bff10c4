#include "app/services.h"

#include "app/data_dir.h"

namespace shinrai::app {

ServicesDeps DepsFor(const OpenedData& data, const schema::Config& config, audit::AuditLog& audit,
                     const service::Access& access, Env* env, std::string model_dir) {
  return {&config, data.store, data.vault.get(), data.suppression.get(), &audit, &access, env,
          std::move(model_dir), data.paths.audit_dir, RecommendationTokenKey(data)};
}

Services::Services(const ServicesDeps& d)
    : writer(d.store),
      collect(d.config, d.access, d.store, &writer, &serializer, d.env, d.suppression, d.audit),
      profiles(d.config, d.store, d.audit, d.env),
      consent(d.config, d.store, &writer, &serializer, d.env, d.audit),
      recs(d.config, d.store, &writer, d.env, d.model_dir, d.audit),
      rights({d.config, d.store, &writer, &serializer, d.env, d.suppression, d.audit, d.vault, {&recs}}),
      retention(d.config, d.store, &writer, &serializer, d.env, d.audit, {&recs}),
      report{d.config, d.store, &retention, d.audit_dir, d.env} {
  if (d.token_key) recs.UseTokenKey(*d.token_key);
}

Services::~Services() {
  recs.StopSchedule();
  retention.StopSchedule();
  (void)writer.Flush();
}

Result<int> Services::Load() {
  RETURN_IF_ERROR(collect.Load());
  writer.AddRecoveryHook([this] { return collect.Load(); });
  RETURN_IF_ERROR(recs.Load());
  return rights.ResumeErasures();
}

}  // namespace shinrai::app
