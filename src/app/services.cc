#include "app/services.h"

#include "app/data_dir.h"
#include "crypto/aead.h"

namespace shinrai::app {

ServicesDeps DepsFor(const OpenedData& data, const schema::Config& config, audit::AuditLog& audit,
                     const service::Access& access, Env* env, std::string model_dir) {
  return {&config, data.store, data.vault.get(), data.suppression.get(), &audit, &access, env,
          std::move(model_dir), RecommendationTokenKey(data)};
}

Services::Services(const ServicesDeps& d)
    : writer(d.store),
      base{*d.config, *d.store, writer, serializer, *d.env, *d.audit},
      collect(base, *d.access, *d.suppression),
      profiles(base),
      consent(base),
      recs(base, d.model_dir, d.token_key),
      rights({base, *d.suppression, d.vault, {&recs}}),
      // Links sealed with a key of their own, derived from the one that seals
      // recommendation ids (so that they outlive a restart when it does).
      privacy_center(base, consent, rights, recs,
                     crypto::DeriveKey(d.token_key.value_or(crypto::SecretKey::Random()), "shinrai privacy center links v1")),
      retention(base, {&recs}),
      report{d.config, d.store, &retention, d.audit, d.env} {}

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
