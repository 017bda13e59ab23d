//! The Docker runtime: one container per conversation on its own bridge network, with CPU,
//! memory and process limits, no added capabilities, labelled as Corral's, its agent-server
//! port published on loopback only. Stopping removes the container and its network; a failed
//! start removes whatever it had created.

use async_trait::async_trait;
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, NetworkCreateRequest, PortBinding};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RemoveContainerOptions, StopContainerOptions,
};
use corral_actors::sandbox::{AgentProgram, Sandbox, SandboxError, SandboxRuntime, SandboxSpec};
use std::collections::HashMap;

/// Labels on everything this runtime creates.
pub const MANAGED_LABEL: &str = "corral.managed";
pub const CONVERSATION_LABEL: &str = "corral.conversation_id";

#[derive(Clone, Debug)]
pub struct DockerConfig {
    /// `unix:///var/run/docker.sock` or `http://host:port`.
    pub endpoint: String,
    /// The OpenHands agent-server image (`AGENT_SERVER_IMAGE`).
    pub openhands_image: String,
    /// An image whose command runs the scripted agent (`corral scripted-agent`).
    pub scripted_image: Option<String>,
    /// The agent-server's port inside the container (`AGENT_SERVER_CONTAINER_PORT`).
    pub container_port: u16,
    /// Seconds a container gets to stop before it is killed.
    pub stop_timeout: i32,
}

pub struct DockerRuntime {
    docker: Docker,
    config: DockerConfig,
}

fn runtime_error(e: bollard::errors::Error) -> SandboxError {
    SandboxError::Runtime(e.to_string())
}

fn missing(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404 | 304,
            ..
        }
    )
}

fn name_of(conversation: uuid::Uuid) -> String {
    format!("corral-sandbox-{conversation}")
}

impl DockerRuntime {
    pub fn connect(config: DockerConfig) -> Result<Self, SandboxError> {
        let endpoint = config.endpoint.as_str();
        let docker = if endpoint.starts_with("http://") || endpoint.starts_with("tcp://") {
            Docker::connect_with_http(endpoint, 60, bollard::API_DEFAULT_VERSION)
        } else {
            Docker::connect_with_unix(endpoint, 60, bollard::API_DEFAULT_VERSION)
        }
        .map_err(runtime_error)?;
        Ok(Self { docker, config })
    }

    /// The published loopback port of the agent-server, from the container's inspection.
    async fn endpoint(&self, id: &str) -> Result<String, SandboxError> {
        let inspected = self
            .docker
            .inspect_container(id, None)
            .await
            .map_err(runtime_error)?;
        let key = format!("{}/tcp", self.config.container_port);
        let port = inspected
            .network_settings
            .and_then(|n| n.ports)
            .and_then(|p| p.get(&key).cloned().flatten())
            .and_then(|b| b.into_iter().find_map(|b| b.host_port))
            .ok_or_else(|| SandboxError::Start(format!("{key} is not published")))?;
        Ok(format!("http://127.0.0.1:{port}"))
    }

    /// Removes a container and its network, ignoring what is already gone.
    async fn remove(&self, name: &str) -> Result<(), SandboxError> {
        let stop = StopContainerOptions {
            t: Some(self.config.stop_timeout),
            ..StopContainerOptions::default()
        };
        if let Err(e) = self.docker.stop_container(name, Some(stop)).await
            && !missing(&e)
        {
            tracing::warn!(container = name, %e, "stopping a sandbox container failed; removing it by force");
        }
        let remove = RemoveContainerOptions {
            force: true,
            v: true,
            ..RemoveContainerOptions::default()
        };
        match self.docker.remove_container(name, Some(remove)).await {
            Err(e) if !missing(&e) => return Err(runtime_error(e)),
            _ => {}
        }
        match self.docker.remove_network(name).await {
            Err(e) if !missing(&e) => Err(runtime_error(e)),
            _ => Ok(()),
        }
    }

    async fn create_and_start(
        &self,
        spec: &SandboxSpec,
        name: &str,
    ) -> Result<Sandbox, SandboxError> {
        let image = match spec.program {
            AgentProgram::OpenHands => self.config.openhands_image.clone(),
            AgentProgram::Scripted => self.config.scripted_image.clone().ok_or_else(|| {
                SandboxError::Start(
                    "no image for the scripted agent (SANDBOX_SCRIPTED_IMAGE)".into(),
                )
            })?,
        };
        let labels: HashMap<String, String> = [
            (MANAGED_LABEL.to_owned(), "true".to_owned()),
            (
                CONVERSATION_LABEL.to_owned(),
                spec.conversation_id.to_string(),
            ),
        ]
        .into();
        self.docker
            .create_network(NetworkCreateRequest {
                name: name.to_owned(),
                driver: Some("bridge".into()),
                labels: Some(labels.clone()),
                ..NetworkCreateRequest::default()
            })
            .await
            .map_err(runtime_error)?;
        let port_key = format!("{}/tcp", self.config.container_port);
        let host_config = HostConfig {
            nano_cpus: Some(i64::from(spec.limits.cpu_millis) * 1_000_000),
            memory: Some(i64::try_from(spec.limits.memory_bytes).unwrap_or(i64::MAX)),
            memory_swap: Some(i64::try_from(spec.limits.memory_bytes).unwrap_or(i64::MAX)),
            pids_limit: Some(i64::from(spec.limits.pids)),
            network_mode: Some(name.to_owned()),
            port_bindings: Some(
                [(
                    port_key.clone(),
                    Some(vec![PortBinding {
                        host_ip: Some("127.0.0.1".into()),
                        host_port: Some(String::new()),
                    }]),
                )]
                .into(),
            ),
            extra_hosts: Some(vec!["host.docker.internal:host-gateway".into()]),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges".into()]),
            init: Some(true),
            ..HostConfig::default()
        };
        let mut env: Vec<String> = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        env.push(format!("PORT={}", self.config.container_port));
        let body = ContainerCreateBody {
            image: Some(image),
            env: Some(env),
            labels: Some(labels),
            exposed_ports: Some(vec![port_key]),
            host_config: Some(host_config),
            stop_timeout: Some(i64::from(self.config.stop_timeout)),
            ..ContainerCreateBody::default()
        };
        let options = CreateContainerOptions {
            name: Some(name.to_owned()),
            ..CreateContainerOptions::default()
        };
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(runtime_error)?;
        self.docker
            .start_container(&created.id, None)
            .await
            .map_err(runtime_error)?;
        Ok(Sandbox {
            endpoint: self.endpoint(&created.id).await?,
            id: created.id,
            conversation_id: spec.conversation_id,
        })
    }
}

#[async_trait]
impl SandboxRuntime for DockerRuntime {
    async fn start(&self, spec: &SandboxSpec) -> Result<Sandbox, SandboxError> {
        let name = name_of(spec.conversation_id);
        match self.create_and_start(spec, &name).await {
            Ok(sandbox) => Ok(sandbox),
            Err(e) => {
                // Nothing half-made is left behind.
                if let Err(cleanup) = self.remove(&name).await {
                    tracing::warn!(%cleanup, "cleaning up a failed sandbox start");
                }
                Err(e)
            }
        }
    }

    async fn alive(&self, sandbox: &Sandbox) -> bool {
        self.docker
            .inspect_container(&sandbox.id, None)
            .await
            .ok()
            .and_then(|c| c.state)
            .and_then(|s| s.running)
            .unwrap_or(false)
    }

    async fn stop(&self, sandbox: &Sandbox) -> Result<(), SandboxError> {
        self.remove(&name_of(sandbox.conversation_id)).await
    }

    async fn list(&self) -> Result<Vec<Sandbox>, SandboxError> {
        let options = ListContainersOptions {
            all: true,
            filters: Some([("label".to_owned(), vec![format!("{MANAGED_LABEL}=true")])].into()),
            ..ListContainersOptions::default()
        };
        let containers = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(runtime_error)?;
        let mut out = Vec::new();
        for c in containers {
            let conversation = c
                .labels
                .as_ref()
                .and_then(|l| l.get(CONVERSATION_LABEL))
                .and_then(|v| v.parse().ok());
            if let (Some(id), Some(conversation_id)) = (c.id, conversation) {
                let endpoint = self.endpoint(&id).await.unwrap_or_default();
                out.push(Sandbox {
                    id,
                    conversation_id,
                    endpoint,
                });
            }
        }
        Ok(out)
    }

    fn name(&self) -> &'static str {
        "docker"
    }
}
